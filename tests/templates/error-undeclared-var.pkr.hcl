variable "region" {
  default = "eu-west-2"
}
