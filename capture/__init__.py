"""Getting audio in: decoding recorded files into checked, resampled sample arrays."""

from capture.audio import DecodedAudio, decode_audio, file_sha256, probe_audio

__all__ = ["DecodedAudio", "decode_audio", "file_sha256", "probe_audio"]
