variable "vm_type" {
  type    = string
  default = "t2.micro"
  validation {
    condition     = can(regex("^tinav[0-9]", var.vm_type))
    error_message = "The vm_type must start with tinav."
  }
}
