variable "vm_type" {
  type    = string
  default = "tinav7.c1r1p1"
  validation {
    condition     = can(regex("^tinav[0-9]", var.vm_type))
    error_message = "The vm_type must start with tinav."
  }
  validation {
    condition     = length(var.vm_type) > 3
    error_message = "The vm_type is too short."
  }
}
source "null" "validation" {
  communicator = "none"
  vm_type      = var.vm_type
}
build {
  sources = ["source.null.validation"]
}
