"""Mic arrays: which input channels are the staff's and which the customer's, and how to combine them.

A counter array usually has a mic (or beam) towards the staff member and several towards the
customer. Each utterance gets the role of the side where its energy is, and the customer channels
are combined, not thrown away: delay-and-sum (align each channel to the loudest one by GCC-PHAT,
then average, which keeps the speech and averages down uncorrelated noise) or the best channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.errors import ConfigError

Combine = Literal["delay-sum", "best"]
_GROUP = re.compile(r"^\s*(staff|customer|unknown)\s*=\s*([\d,\s-]+)$")


@dataclass(frozen=True)
class ChannelMap:
    """Input channel indices per role; at least one role has channels."""

    staff: tuple[int, ...] = ()
    customer: tuple[int, ...] = ()
    unknown: tuple[int, ...] = ()

    @classmethod
    def parse(cls, text: str) -> ChannelMap:
        """'staff=0;customer=1,2,3' (ranges like 1-3 work too); channels count from 0."""
        groups: dict[str, tuple[int, ...]] = {}
        for part in filter(None, (p.strip() for p in text.split(";"))):
            match = _GROUP.match(part)
            if not match:
                raise ConfigError(f"cannot read channel map part {part!r}; write e.g. 'staff=0;customer=1,2,3'")
            role, spec = match.groups()
            if role in groups:
                raise ConfigError(f"role {role!r} is named twice in the channel map")
            groups[role] = _indices(spec)
        mapping = cls(**groups)
        used = mapping.staff + mapping.customer + mapping.unknown
        if not used:
            raise ConfigError("the channel map names no channels")
        if len(set(used)) != len(used):
            raise ConfigError("a channel belongs to two roles in the channel map")
        return mapping

    @classmethod
    def default(cls, channels: int) -> ChannelMap:
        """No map given: every channel is one unknown speaker source, combined."""
        return cls(unknown=tuple(range(max(1, channels))))

    @property
    def width(self) -> int:
        """How many input channels the device must have."""
        return max(self.staff + self.customer + self.unknown) + 1

    def describe(self) -> str:
        """Back to the 'staff=0;customer=1,2' form."""
        parts = [f"{r}={','.join(map(str, c))}" for r, c in self._groups() if c]
        return ";".join(parts)

    def _groups(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        return (("staff", self.staff), ("customer", self.customer), ("unknown", self.unknown))


def _indices(spec: str) -> tuple[int, ...]:
    out: list[int] = []
    for item in filter(None, (p.strip() for p in spec.split(","))):
        if "-" in item:
            low, high = (int(x) for x in item.split("-", 1))
            if high < low:
                raise ConfigError(f"channel range {item!r} runs backwards")
            out += range(low, high + 1)
        else:
            out.append(int(item))
    return tuple(out)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def gcc_phat_delay(signal: np.ndarray, reference: np.ndarray, max_shift: int) -> int:
    """Samples by which `signal` lags `reference` (GCC-PHAT, searched within ±max_shift)."""
    n = len(signal) + len(reference)
    spectrum = np.fft.rfft(signal, n) * np.conj(np.fft.rfft(reference, n))
    spectrum /= np.abs(spectrum) + 1e-12
    corr = np.fft.irfft(spectrum, n)
    corr = np.concatenate([corr[-max_shift:], corr[: max_shift + 1]])
    return int(np.argmax(np.abs(corr))) - max_shift


def delay_and_sum(channels: np.ndarray, max_shift: int = 160) -> np.ndarray:
    """(n, k) → (n,): each channel aligned to the loudest by its GCC-PHAT delay, then averaged."""
    if channels.shape[1] == 1:
        return channels[:, 0].copy()
    ref_index = int(np.argmax([_rms(channels[:, i]) for i in range(channels.shape[1])]))
    reference = channels[:, ref_index]
    out = np.zeros(len(reference), dtype=np.float64)
    for i in range(channels.shape[1]):
        x = channels[:, i]
        lag = 0 if i == ref_index else gcc_phat_delay(x, reference, max_shift)
        out += np.roll(x, -lag)  # the shifted-in edge is a few ms of the utterance's own quiet start/end
    return (out / channels.shape[1]).astype(np.float32)


def best_channel(channels: np.ndarray) -> np.ndarray:
    """(n, k) → (n,): the loudest channel."""
    return channels[:, int(np.argmax([_rms(channels[:, i]) for i in range(channels.shape[1])]))].copy()


def combine(channels: np.ndarray, how: Combine) -> np.ndarray:
    """Combine one role's channels."""
    return delay_and_sum(channels) if how == "delay-sum" else best_channel(channels)


def assign(samples: np.ndarray, mapping: ChannelMap, how: Combine = "delay-sum") -> tuple[str, np.ndarray]:
    """An utterance (n, channels) → its role (where the energy is) and one combined channel."""
    groups = [(role, idx) for role, idx in mapping._groups() if idx]
    if len(groups) == 1:
        role, idx = groups[0]
        return role, combine(samples[:, list(idx)], how)
    # The loudest single mic of each side decides: the staff mic hears the customer too, only quieter.
    energies = {role: max(_rms(samples[:, i]) for i in idx) for role, idx in groups}
    role = max(energies, key=lambda r: energies[r])
    return role, combine(samples[:, list(dict(groups)[role])], how)
