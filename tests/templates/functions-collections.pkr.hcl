locals {
  concat    = concat([1], [2, 3])
  merge     = merge({ a = 1, b = 1 }, { b = 2 })
  lookup    = lookup({ a = "x" }, "b", "default")
  keys      = keys({ b = 1, a = 2 })
  values    = values({ b = 1, a = 2 })
  length    = length([1, 2, 3])
  element   = element(["a", "b"], 3)
  contains  = contains(["a", "b"], "b")
  coalesce  = coalesce("", null, "x")
  flatten   = flatten([[1, [2]], [3]])
  distinct  = distinct(["a", "b", "a"])
  slice     = slice(["a", "b", "c", "d"], 1, 3)
  tolist    = tolist(["a"])
  toset     = toset(["b", "a", "b"])
  tomap     = tomap({ a = 1 })
  tostring  = tostring(5)
  tonumber  = tonumber("42")
  tobool    = tobool("true")
  reverse   = reverse([1, 2, 3])
  zipmap    = zipmap(["a", "b"], [1, 2])
  compact   = compact(["a", "", "b"])
  expand    = max([3, 9, 4]...)
}
source "null" "collections" {
  communicator = "none"
}
build {
  sources = ["source.null.collections"]
}
