"""The simulator's Windows guest: WinRM served for a VM, and the command subset it runs.

The guest is not Windows. Its C:\\ is the VM's own root volume; commands arriving over
WinRM are interpreted by ``cmd`` and ``powershell`` (small interpreters of the subset
documented in docs/simulator-fidelity.md), run by ``guest`` in a process that has entered
the VM's mount namespace (it sees only the VM's files).
"""
