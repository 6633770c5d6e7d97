"""Settings come from KESHENG_* variables and a .env file; bad values are refused clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import OutputScript, Settings


def test_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.data_dir == Path("./kesheng-data")
    assert settings.resolved_database_url.startswith("sqlite:///") and settings.resolved_database_url.endswith(
        "kesheng-data/kesheng.db"
    )
    assert settings.asr_model == "base"
    assert settings.role_map == ("staff", "customer")
    assert settings.output_script is OutputScript.simplified


def test_environment_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(
        "KESHENG_ASR_MODEL=/models/whisper-large-v3\nKESHENG_DATA_DIR=/srv/kesheng\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KESHENG_DATA_DIR", "/var/lib/kesheng")  # the environment wins over .env
    monkeypatch.setenv("KESHENG_DATABASE_URL", "postgresql+psycopg://u:p@db/kesheng")
    settings = Settings()
    assert settings.asr_model == "/models/whisper-large-v3"
    assert settings.data_dir == Path("/var/lib/kesheng")
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db/kesheng"


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown role"):
        Settings(stereo_roles="boss,customer", _env_file=None)
    with pytest.raises(ValidationError):
        Settings(output_script="klingon", _env_file=None)


@pytest.mark.process
def test_cli_reports_bad_settings_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "KESHENG_OUTPUT_SCRIPT": "klingon", "KESHENG_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "kesheng.cli", "complaints"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "invalid settings" in result.stderr and "Traceback" not in result.stderr
