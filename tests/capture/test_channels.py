"""Mic-array channel maps, roles by energy, delay-and-sum."""

from __future__ import annotations

import numpy as np
import pytest

from capture.channels import ChannelMap, assign, best_channel, delay_and_sum, gcc_phat_delay
from core.errors import ConfigError
from kesheng.harness import read_wav
from tests.conftest import AUDIO


def speech() -> np.ndarray:
    return read_wav(AUDIO / "counter_complaint_fees.wav")[0][:, 0]


def test_parse_channel_maps() -> None:
    mapping = ChannelMap.parse("staff=0; customer=1-3")
    assert (mapping.staff, mapping.customer, mapping.width) == ((0,), (1, 2, 3), 4)
    assert ChannelMap.parse(mapping.describe()) == mapping
    assert ChannelMap.parse("customer=0").customer == (0,)
    assert ChannelMap.default(2).unknown == (0, 1)


@pytest.mark.parametrize(
    "text",
    ["", "staff", "staff=x", "boss=0", "staff=0;staff=1", "staff=0;customer=0-1", "customer=3-1", ";;"],
)
def test_bad_channel_maps_say_why(text: str) -> None:
    with pytest.raises(ConfigError):
        ChannelMap.parse(text)


def test_delay_and_sum_aligns_the_mics_and_lifts_the_speech_over_the_noise() -> None:
    clean = speech()
    rng = np.random.default_rng(1)
    delays = (0, 4, 9, 13)
    mics = np.stack([np.roll(clean, d) + rng.standard_normal(len(clean)).astype(np.float32) * 0.05 for d in delays], 1)
    assert gcc_phat_delay(mics[:, 2], mics[:, 0], 160) == 9
    combined = delay_and_sum(mics)
    lag = max(delays, key=lambda d: float(np.dot(combined, np.roll(clean, d))))  # aligned to one of the mics

    def snr(x: np.ndarray) -> float:
        reference = np.roll(clean, lag)
        return float(10 * np.log10(np.sum(reference**2) / np.sum((x - reference) ** 2)))

    single = mics[:, delays.index(lag)]
    assert snr(combined) > snr(single) + 4  # four mics: up to 6 dB less noise
    assert best_channel(mics).shape == clean.shape


def test_the_role_is_where_the_energy_is() -> None:
    voice = speech()
    leak = 0.15
    mapping = ChannelMap.parse("staff=0;customer=1,2")
    customer_talks = np.stack([leak * voice, voice, 0.9 * voice], 1)
    staff_talks = np.stack([voice, leak * voice, leak * voice], 1)
    role, mono = assign(customer_talks, mapping)
    assert role == "customer" and mono.shape == voice.shape
    assert assign(staff_talks, mapping)[0] == "staff"
    assert assign(customer_talks, ChannelMap.default(3))[0] == "unknown"
