locals {
  total = "abc" + 1
}
