"""Listing input devices through real PortAudio and a real PulseAudio server with null sinks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from audio_inputs import list_input_devices
from audio_inputs.listing import is_bluetooth
from kesheng.harness import pulseaudio_ready

BT_SINK = "bluez_sink.00_11_22_33_44_55.handsfree_head_unit"
ARRAY_SINK = "kesheng_test_array4"
MONO_SINK = "kesheng_test_counter_mic"


@pytest.fixture(scope="module")
def null_sinks() -> Iterator[None]:
    """A mono counter mic, a 4-channel array and a Bluetooth-named headset, as PulseAudio null sinks."""
    if not pulseaudio_ready():
        pytest.skip("no PulseAudio server")
    modules = []
    for name, channels in ((MONO_SINK, 1), (ARRAY_SINK, 4), (BT_SINK, 1)):
        result = subprocess.run(
            ["pactl", "load-module", "module-null-sink", f"sink_name={name}", f"channels={channels}"],
            capture_output=True,
            text=True,
            check=True,
        )
        modules.append(result.stdout.strip())
    yield
    for module in modules:
        subprocess.run(["pactl", "unload-module", module], capture_output=True, check=False)


def test_sources_are_listed_with_channels_and_bluetooth(null_sinks: None) -> None:
    found = {d.name: d for d in list_input_devices()}
    mono, array, headset = (found[f"{name}.monitor"] for name in (MONO_SINK, ARRAY_SINK, BT_SINK))
    assert (mono.channels, array.channels, headset.channels) == (1, 4, 1)
    assert headset.bluetooth and not array.bluetooth and not mono.bluetooth
    assert mono.default_samplerate > 0 and mono.index is None and mono.hostapi == "PulseAudio"


def test_portaudio_reaches_the_sound_server(null_sinks: None) -> None:
    portaudio = [d for d in list_input_devices() if d.index is not None]
    assert any(d.name == "pulse" for d in portaudio), portaudio


def test_cli_json_contract(null_sinks: None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kesheng.cli", "devices", "list", "--json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    for row in rows:
        assert set(row) == {"index", "name", "hostapi", "channels", "default_samplerate", "bluetooth"}
    assert any(r["name"] == f"{BT_SINK}.monitor" and r["bluetooth"] for r in rows)


@pytest.mark.parametrize(
    ("name", "bus", "expected"),
    [
        ("bluez_input.00:1A:7D:DA:71:13.0", None, True),
        ("alsa_input.usb-SEEED_ReSpeaker_4_Mic_Array", None, False),
        ("Jabra Evolve2 65", "bluetooth", True),
    ],
)
def test_bluetooth_recognition(name: str, bus: str | None, expected: bool) -> None:
    assert is_bluetooth(name, bus) is expected
