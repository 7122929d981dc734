variable "region" {
  default = "eu-west-2"
}
variable "size" {
  type    = number
  default = 20
}
locals {
  interpolated = "omi-${var.region}-${var.size}"
  escapes      = "tab\tquote\"backslash\\unicode\u00e9 newline\n"
  literal      = "$${not_interpolated} %%{not_a_directive}"
  unwrapped    = "${var.size}"
  directive    = "%{if var.size > 10}big%{else}small%{endif}"
  loop         = "%{for i, v in ["a", "b"]}${i}=${v};%{endfor}"
  strip        = "a %{~ if true ~} b %{~ endif ~} c"
  bool_text    = "enabled=${true}"
  tags         = "${{ Name = "x" }}"
}
source "null" "strings" {
  communicator = "none"
}
build {
  sources = ["source.null.strings"]
}
