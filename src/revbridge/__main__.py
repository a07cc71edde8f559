"""``python -m revbridge`` runs the command line."""

from revbridge.cli.main import app

app()
