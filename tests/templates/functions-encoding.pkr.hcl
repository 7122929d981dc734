locals {
  jsonencode   = jsonencode({ a = [1, "x", true, null] })
  jsondecode   = jsondecode("{\"k\": [1, 2]}")
  yamlencode   = yamlencode({ b = 1, a = ["x"] })
  yamldecode   = yamldecode("a: 1\nb: [x, y]\n")
  base64encode = base64encode("hello")
  base64decode = base64decode("aGVsbG8=")
  sha256       = sha256("hello")
  md5          = md5("hello")
  uuid_length  = length(uuidv4())
}
source "null" "encoding" {
  communicator = "none"
}
build {
  sources = ["source.null.encoding"]
}
