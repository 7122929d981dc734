locals {
  name = uper("x")
}
