"""osc-build for Windows guests: WinRM communicator and Windows provisioners."""
