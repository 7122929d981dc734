locals {
  sum        = 1 + 2 * 3
  grouped    = (1 + 2) * 3
  left       = 10 - 4 - 3
  division   = 7 / 2
  exact      = 6 / 3
  modulo     = -7 % 3
  negative   = -(2 + 3) * 2
  compare    = 3 > 2 && 2 >= 2 && 1 < 2 && 1 <= 0 == false
  equality   = [1 == 1, "1" == 1, [1, 2] == [1, 2], { a = 1 } != { a = 2 }]
  logic      = true || false && false
  not        = !false
  strnum     = "20" + 1
  ternary    = 5 > 3 ? "yes" : "no"
  nested     = false ? 1 : true ? 2 : 3
  floats     = 0.5 + 0.25
  exponent   = 1e3
}
source "null" "ops" {
  communicator = "none"
}
build {
  sources = ["source.null.ops"]
}
