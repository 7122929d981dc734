#!/bin/bash
# Stands in for the official example's install_octl.sh, which downloads octl from GitHub:
# the simulator's guests reach only package archives, so this installs a local octl with
# the same steps (write it, make it executable, move it, link it, verify it).
set -e  # Exit immediately if a command fails

echo "Writing octl..."
cat > octl <<'OCTL'
#!/bin/sh
echo "octl (osc-build test stand-in): usage: octl [command]"
OCTL

# Make the file executable
chmod +x octl

# Move it to a system-wide location
echo "Installing octl..."
sudo mv octl /usr/local/bin

# Ensure it's accessible from /usr/bin as well
sudo ln -sf /usr/local/bin/octl /usr/bin/octl

# Verify installation
echo "Verifying installation..."
octl help
