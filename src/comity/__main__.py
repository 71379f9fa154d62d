"""``python -m comity`` runs the command-line interface."""

from comity.cli.main import main

main()
