sorce "outscale-bsu" "a" {
}
