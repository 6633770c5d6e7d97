"""The `kesheng` command line: one module per command group, all on the root app of common.py."""

from kesheng.cli import agent, crm, files, nlp, people, privacy, serving
from kesheng.cli.common import app

__all__ = ["agent", "app", "crm", "files", "nlp", "people", "privacy", "serving"]
