source "null" "a" {
  tags = { Name = "a" }
  dynamic "tags" {
    for_each = ["b"]
    content {
      Name = tags.value
    }
  }
}
build {
  sources = ["source.null.a"]
}
