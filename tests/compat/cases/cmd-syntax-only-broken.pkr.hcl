source "outscale-bsu" "web" {
  omi_name =
}
