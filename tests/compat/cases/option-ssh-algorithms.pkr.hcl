source "outscale-bsu" "web" {
  region       = "eu-west-2"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  omi_name     = "web-image"
  ssh_username = "outscale"
  ssh_ciphers = ["aes256-ctr", "aes128-ctr"]
  ssh_key_exchange_algorithms = ["curve25519-sha256", "ecdh-sha2-nistp256"]
  ssh_disable_agent_forwarding = true
}

build {
  sources = ["source.outscale-bsu.web"]
}
