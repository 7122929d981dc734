variable "from_default" {
  default = "default"
}
variable "from_env" {
  default = "default"
}
variable "from_auto" {
  default = "default"
}
variable "from_var_file" {
  default = "default"
}
variable "from_cli" {
  default = "default"
}
variable "list_from_env" {
  type    = list(string)
  default = []
}
variable "number_from_cli" {
  type    = number
  default = 0
}
source "null" "vars" {
  communicator = "none"
}
build {
  sources = ["source.null.vars"]
}
