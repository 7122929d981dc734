"""``osc-build leftovers``: find and delete what dead osc-build runs left in the cloud."""
