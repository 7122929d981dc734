locals {
  key = env("HOME")
}
