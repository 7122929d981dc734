locals {
  upper         = upper("abc")
  lower         = lower("ABC")
  title         = title("hello world")
  replace       = replace("a-b-c", "-", "_")
  regex_replace = regex_replace("2026-07-24T09:33:24Z", "[- TZ:]", "")
  regex_groups  = regex_replace("ubuntu-24.04", "(\\w+)-(\\d+)", "$2-$1")
  regex         = regex("^tinav(\\d+)", "tinav7.c1r1p1")
  regex_named   = regex("(?P<family>\\w+)-(?P<version>[0-9.]+)", "debian-12.5")
  regexall      = regexall("[0-9]+", "a1b22c333")
  split         = split(",", "a,b,c")
  join          = join("-", ["a", "b"])
  format        = format("%s-%03d-%.2f-%q-%v-%t", "omi", 7, 3.14159, "q", 5, true)
  formatlist    = formatlist("%s=%s", ["a", "b"], ["1", "2"])
  trimspace     = trimspace("  x  ")
  trimprefix    = trimprefix("packer-omi", "packer-")
  trimsuffix    = trimsuffix("omi.img", ".img")
  chomp         = chomp("line\n\n")
  substr        = substr("hello", 1, 3)
  length_str    = length("héllo")
  indent        = indent(2, "a\nb")
  startswith    = startswith("tinav7", "tina")
}
source "null" "strfn" {
  communicator = "none"
}
build {
  sources = ["source.null.strfn"]
}
