"""Real processes for end-to-end tests and benchmarks: `kesheng serve`, `kesheng agent run`, PulseAudio
null sinks, a tmpfs that fills, private Redis and RabbitMQ servers, WAV files.

Where a system tool is missing it raises ToolMissing; the tests turn that into a skip on a
developer's machine and a failure in CI (tests/conftest.py), a benchmark just stops.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import httpx
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import KeshengError
from store.db import Database
from store.models import LiveUtterance

KESHENG = [sys.executable, "-m", "kesheng.cli"]
API_KEY = "live-key"
_SPOOLED = re.compile(r"spooled (\d+:[\w-]+:\d+) role=\w+ ([\d.]+)s")


class ToolMissing(KeshengError):
    """A system tool the harness needs is not installed or cannot run here."""


def kesheng_env(data_dir: Path, model_cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a kesheng process: nothing inherited from KESHENG_*, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KESHENG_")}
    env.update(KESHENG_DATA_DIR=str(data_dir), KESHENG_MODEL_CACHE=str(model_cache), COLUMNS="200", **extra)
    return env


def run_cli(
    args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `kesheng ARGS` to completion."""
    return subprocess.run(
        [*KESHENG, *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real `kesheng serve` that can be stopped, killed and started again on the same port and data."""

    def __init__(self, workdir: Path, model_cache: Path, **extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.env = kesheng_env(workdir / "server-data", model_cache, KESHENG_API_KEY=API_KEY, **extra)
        self.process: subprocess.Popen[bytes] | None = None
        self.api = httpx.Client(base_url=self.url, headers={"X-API-Key": API_KEY}, timeout=30)

    def start(self, timeout: float = 90) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [*KESHENG, "serve", "--port", str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("server did not start: " + self.log_path.read_text()[-3000:])

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction on the server's own database: KESHENG_DATABASE_URL, or SQLite in its data dir."""
        db = Database(self.env.get("KESHENG_DATABASE_URL") or f"sqlite:///{self.env['KESHENG_DATA_DIR']}/kesheng.db")
        try:
            with db.transaction() as session:
                yield session
        finally:
            db.dispose()

    def stored_keys(self) -> list[str]:
        """Every live utterance key the server has stored (duplicates would show twice)."""
        with self.session() as session:
            return list(session.scalars(select(LiveUtterance.key).where(LiveUtterance.stored_at.is_not(None))))

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)
        self.process = None

    def enrol(self, workdir: Path, branch: str = "BJ01", counter: str = "3") -> dict[str, str]:
        """`kesheng devices add` + `kesheng devices enrol` → the agent's environment."""
        added = run_cli(["devices", "add", "--branch", branch, "--counter", counter], self.env)
        assert added.returncode == 0, added.stderr
        agent_env = kesheng_env(
            workdir / "agent-data",
            Path(self.env["KESHENG_MODEL_CACHE"]),
            KESHENG_AGENT_DIR=str(workdir / "agent"),
        )
        code = added.stdout.strip().splitlines()[-1]
        enrolled = run_cli(["devices", "enrol", "--server", self.url, "--code", code], agent_env)
        assert enrolled.returncode == 0, enrolled.stderr
        agent_env["DEVICE_ID"] = enrolled.stdout.strip().splitlines()[-1]
        return agent_env

    def wait_for(self, predicate, timeout: float = 120, every: float = 0.5):  # type: ignore[no-untyped-def]
        """Poll until predicate() returns something truthy; that value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(f"timed out waiting; server log:\n{self.log_path.read_text()[-3000:]}")


@contextmanager
def server_process(workdir: Path, model_cache: Path, **extra: str) -> Iterator[Server]:
    """A started server, stopped at the end."""
    server = Server(workdir, model_cache, **extra)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.api.close()


class AgentProcess:
    """`kesheng agent run` in the background, its log kept for the keys it spooled."""

    started: ClassVar[list[AgentProcess]] = []  # so a failed test's agents are stopped too (stop_all)

    def __init__(self, env: dict[str, str], log_path: Path, *args: str, stdin: int = subprocess.DEVNULL) -> None:
        self.log_path = log_path
        AgentProcess.started.append(self)
        with log_path.open("a") as log:
            self.process = subprocess.Popen(
                [*KESHENG, "agent", "run", *args],
                env=env,
                stdin=stdin,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_capturing(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while "capturing from" not in self.log_path.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("agent did not start capturing:\n" + self.log_path.read_text()[-3000:])
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        if self.process.stdin is not None:
            self.process.stdin.close()
        return code

    def spooled_keys(self) -> list[str]:
        return [key for key, _seconds in _SPOOLED.findall(self.log_path.read_text())]

    def spooled_seconds(self) -> float:
        return sum(float(seconds) for _key, seconds in _SPOOLED.findall(self.log_path.read_text()))

    def wait_spooled(self, seconds: float, timeout: float = 60) -> list[str]:
        """Wait until the spooled utterances hold `seconds` of audio; their keys. How the cutter splits
        the speech into utterances varies with the machine's load; the audio it keeps does not."""
        deadline = time.monotonic() + timeout
        while self.spooled_seconds() < seconds:
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log_path.read_text()[-3000:]
                raise AssertionError(f"agent spooled {self.spooled_seconds():.1f} s of {seconds:.1f} s:\n{log}")
            time.sleep(0.2)
        return self.spooled_keys()

    @classmethod
    def stop_all(cls) -> None:
        """Kill whatever agents are still running (a test that failed before stopping its own)."""
        while cls.started:
            agent = cls.started.pop()
            if agent.process.poll() is None:
                agent.stop(signal.SIGKILL)


# ---- PulseAudio -------------------------------------------------------------------------------


def pulseaudio_ready() -> bool:
    """Start PulseAudio if needed; False when it does not answer (ToolMissing where it is not installed)."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        raise ToolMissing("pulseaudio is not installed (scripts/test.sh installs it)")
    subprocess.run(["pulseaudio", "--start", "--exit-idle-time=-1"], capture_output=True, check=False)
    return subprocess.run(["pactl", "info"], capture_output=True, check=False).returncode == 0


# PulseAudio's own default order for 1-8 channels: a recording stream that asks for N channels gets
# this map, so the sink and paplay use it too and channel i arrives as channel i.
_POSITIONS = ("front-left", "front-right", "rear-left", "rear-right", "front-center", "lfe", "side-left", "side-right")


def channel_map(channels: int) -> str:
    return "mono" if channels == 1 else ",".join(_POSITIONS[:channels])


def load_sink(name: str, channels: int = 1) -> str:
    """A null sink (its monitor is the 'microphone'); returns the module id to unload."""
    result = subprocess.run(
        [
            "pactl",
            "load-module",
            "module-null-sink",
            f"sink_name={name}",
            f"channels={channels}",
            f"channel_map={channel_map(channels)}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def unload_module(module: str) -> None:
    subprocess.run(["pactl", "unload-module", module], capture_output=True, check=False)


@contextmanager
def null_sink(name: str, channels: int = 1) -> Iterator[str]:
    """A null sink for the test; yields the monitor source name."""
    module = load_sink(name, channels)
    try:
        yield f"{name}.monitor"
    finally:
        unload_module(module)


def play(sink: str, wav: Path, wait: bool = True) -> subprocess.Popen[bytes]:
    """paplay a WAV into a sink, channel i to channel i."""
    with wave.open(str(wav), "rb") as f:
        channels = f.getnchannels()
    process = subprocess.Popen(["paplay", f"--device={sink}", f"--channel-map={channel_map(channels)}", str(wav)])
    if wait:
        process.wait(timeout=300)
    return process


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """(n,) or (n, channels) float samples → 16-bit WAV."""
    data = samples.reshape(len(samples), -1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(data.shape[1])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(data, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """16-bit WAV → ((n, channels) float32, rate)."""
    with wave.open(str(path), "rb") as f:
        rate, channels = f.getframerate(), f.getnchannels()
        pcm = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    return (pcm.astype(np.float32) / 32768).reshape(-1, channels), rate


@contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[Path]:
    """A real tiny tmpfs, so a disk really fills (root only; CI runs as root)."""
    mount_point.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if result.returncode != 0:
        raise ToolMissing(f"cannot mount a tmpfs, which needs root: {result.stderr!r}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def wait_for_reply(
    port: int,
    request: bytes,
    reply: bytes,
    process: subprocess.Popen[bytes],
    timeout: float,
    failure: Callable[[], str],
) -> None:
    """Until a server on the port answers `request` with a reply starting `reply`; fail if it exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(request)
                if sock.recv(16).startswith(reply):
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(failure())
        time.sleep(0.2)


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A private redis-server on a free port, nothing persisted; yields its URL."""
    if shutil.which("redis-server") is None:
        raise ToolMissing("redis-server is not installed (scripts/test.sh installs it)")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for_reply(port, b"PING\r\n", b"+PONG", process, timeout=20, failure=lambda: "redis-server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def rabbitmq_server(workdir: Path) -> Iterator[str]:
    """A private RabbitMQ node on free ports, its data under workdir; yields its amqp:// URL."""
    binary = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")  # Debian's /usr/sbin wrapper insists on its own user
    if not binary.exists():
        raise ToolMissing("rabbitmq-server is not installed (scripts/test.sh installs it)")
    port, dist_port = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "enabled_plugins").write_text("[].\n")
    env = {
        **os.environ,
        "HOME": str(workdir),  # the Erlang cookie
        "RABBITMQ_NODENAME": f"kesheng{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "RABBITMQ_MNESIA_BASE": str(workdir / "mnesia"),
        "RABBITMQ_LOG_BASE": str(workdir / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(workdir / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(workdir / "none"),
    }
    log = (workdir / "stdout.log").open("w")
    process = subprocess.Popen([str(binary)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"amqp://guest:guest@127.0.0.1:{port}/%2F"
    try:
        wait_for_reply(  # the protocol header is answered with a Connection.Start frame once it serves
            port,
            b"AMQP\x00\x00\x09\x01",
            b"\x01",
            process,
            timeout=90,
            failure=lambda: "rabbitmq-server did not start: " + (workdir / "stdout.log").read_text()[-2000:],
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        subprocess.run(["pkill", "-f", f"kesheng{port}@localhost"], check=False)  # epmd-less leftovers
        log.close()
