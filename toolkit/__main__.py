"""``python -m conncheck`` (``py -m conncheck`` in PowerShell)."""

from conncheck.cli.main import main

main()
