variable "secret_key" {
  type      = string
  default   = "s3cr3t-value"
  sensitive = true
}
variable "region" {
  default = "eu-west-2"
}
local "token" {
  expression = "tok-${var.region}"
  sensitive  = true
}
source "null" "sensitive" {
  communicator = "none"
  secret_key   = var.secret_key
  header       = "Bearer ${local.token}"
  region       = var.region
}
build {
  sources = ["source.null.sensitive"]
}
