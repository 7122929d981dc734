variable "names" {
  type    = list(string)
  default = ["a", 1, true]
}
variable "sizes" {
  type    = map(number)
  default = { root = "20", data = 50 }
}
variable "zones" {
  type    = set(string)
  default = ["b", "a", "b"]
}
variable "pair" {
  type    = tuple([string, number])
  default = ["x", "1"]
}
variable "disk" {
  type = object({
    name = string
    size = optional(number, 10)
    tags = optional(map(string))
  })
  default = { name = "root" }
}
variable "flag" {
  type    = bool
  default = "true"
}
variable "volsize" {
  type    = string
  default = 20
}
variable "untyped" {
  default = 3
}
source "null" "types" {
  communicator = "none"
  volume_size  = "${var.volsize}"
}
build {
  sources = ["source.null.types"]
}
