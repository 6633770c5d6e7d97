"""List audio input devices: PortAudio's (through sounddevice) and the sound server's sources.

PortAudio on Linux usually reaches PulseAudio/PipeWire through one ALSA device called `pulse`, so
the individual sources behind it (a USB mic array, a Bluetooth headset) are read from the sound
server itself with `pactl`. Bluetooth sources are recognised by their `bluez` names or bus.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from core.errors import DeviceError

PULSE_HOSTAPI = "PulseAudio"
_SPEC = re.compile(r"(?P<channels>\d+)ch (?P<rate>\d+)Hz")


@dataclass(frozen=True)
class InputDevice:
    """One place audio can be recorded from."""

    index: int | None  # PortAudio device index; None for a sound-server source (opened by name)
    name: str
    hostapi: str
    channels: int
    default_samplerate: float
    bluetooth: bool

    def to_json(self) -> dict[str, Any]:
        """The `kesheng devices list --json` object."""
        return {
            "index": self.index,
            "name": self.name,
            "hostapi": self.hostapi,
            "channels": self.channels,
            "default_samplerate": self.default_samplerate,
            "bluetooth": self.bluetooth,
        }


def is_bluetooth(name: str, bus: str | None = None) -> bool:
    """Bluetooth by bus property, or by the `bluez` prefix PulseAudio and PipeWire give BT nodes."""
    return bus == "bluetooth" or "bluez" in name.lower()


def portaudio_inputs() -> list[InputDevice]:
    """Input-capable devices PortAudio sees."""
    try:
        import sounddevice
    except OSError as exc:  # the Python package is there but the PortAudio library is not
        raise DeviceError(f"PortAudio is not installed ({exc}); on Debian: apt-get install libportaudio2") from exc
    hostapis = sounddevice.query_hostapis()
    devices = []
    for index, info in enumerate(sounddevice.query_devices()):
        if info["max_input_channels"] < 1:
            continue
        devices.append(
            InputDevice(
                index=index,
                name=info["name"],
                hostapi=hostapis[info["hostapi"]]["name"],
                channels=int(info["max_input_channels"]),
                default_samplerate=float(info["default_samplerate"]),
                bluetooth=is_bluetooth(info["name"]),
            )
        )
    return devices


def sound_server_sources(timeout: float = 5.0) -> list[InputDevice]:
    """PulseAudio/PipeWire sources from `pactl`; empty when no sound server runs."""
    if shutil.which("pactl") is None:
        return []
    try:
        result = subprocess.run(
            ["pactl", "-f", "json", "list", "sources"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return []
    if result.returncode != 0:
        return []  # no server running: nothing to list, not an error
    try:
        sources = json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise DeviceError(f"cannot read pactl's source list: {exc}") from exc
    return [_source(s) for s in sources]


def _source(source: dict[str, Any]) -> InputDevice:
    spec = _SPEC.search(source.get("sample_specification", "")) or None
    properties = source.get("properties") or {}
    return InputDevice(
        index=None,
        name=source["name"],
        hostapi=PULSE_HOSTAPI,
        channels=int(spec["channels"]) if spec else 0,
        default_samplerate=float(spec["rate"]) if spec else 0.0,
        bluetooth=is_bluetooth(source["name"], properties.get("device.bus")),
    )


def list_input_devices() -> list[InputDevice]:
    """PortAudio's input devices, then the sound server's sources."""
    return portaudio_inputs() + sound_server_sources()
