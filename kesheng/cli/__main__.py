"""`python -m kesheng.cli`: how supervised worker processes and tests start the command line."""

from kesheng.cli import app

app()
