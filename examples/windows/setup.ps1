# Runs on the build VM through the powershell provisioner: $env:APP_NAME comes from
# environment_vars.
New-Item -ItemType Directory -Path 'C:\app' -Force
Set-Content -Path 'C:\app\name.txt' -Value $env:APP_NAME
Write-Output "configured $env:APP_NAME"
