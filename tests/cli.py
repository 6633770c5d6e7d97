"""`kesheng ARGS` run inside the test process with Typer's runner: argument errors in milliseconds.

Each command group keeps one test that runs the real `kesheng` process (kesheng.harness.run_cli).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from typer.testing import CliRunner

from core.settings import get_settings
from kesheng.cli import app


@dataclass(frozen=True)
class Result:
    """What tests read from a run, the same fields as subprocess.CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str


def invoke(args: list[str], env: dict[str, str], stdin: str | None = None) -> Result:
    """Run the CLI in-process with exactly `env`'s KESHENG_* settings (none inherited)."""
    settings_env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("KESHENG_")}
    settings_env |= {k: v for k, v in env.items() if k.startswith("KESHENG_") or k == "COLUMNS"}
    get_settings.cache_clear()  # settings are read once per process; each run is a new "process"
    try:
        result = CliRunner().invoke(app, args, input=stdin, env=settings_env, catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    return Result(result.exit_code, result.stdout, result.stderr)
