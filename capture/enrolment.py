"""The agent's own files: its enrolment (server, device id, token) in KESHENG_AGENT_DIR."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError

ENROLMENT_FILE = "device.json"


def save_enrolment(agent_dir: Path, server: str, device_id: int, token: str) -> Path:
    """Write device.json readable by its owner only, atomically."""
    directory = Path(agent_dir).expanduser()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / ENROLMENT_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"server": server, "device_id": device_id, "token": token}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Enrolment:
    """What `kesheng devices enrol` stored."""

    server: str
    device_id: int
    token: str


def load_enrolment(agent_dir: Path) -> Enrolment | None:
    """The stored enrolment, or None when this machine was never enrolled."""
    path = Path(agent_dir).expanduser() / ENROLMENT_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        return Enrolment(str(data["server"]), int(data["device_id"]), str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is unreadable ({exc}); enrol again with `kesheng devices enrol`") from exc
