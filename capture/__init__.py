"""Getting audio in: decoding recorded files, and the capture agent's durable spool."""

from capture.audio import DecodedAudio, decode_audio, file_sha256, probe_audio

__all__ = ["DecodedAudio", "decode_audio", "file_sha256", "probe_audio"]
