source "null" "a" {
  communicator = "none"
  broken = [1, 2
}
