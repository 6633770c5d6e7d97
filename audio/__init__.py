"""Audio every stage shares: decoding any FFmpeg format, probing, hashing, WAV bytes, the sample rate."""

from audio.decoding import AudioInfo, DecodedAudio, decode_audio, file_sha256, probe_audio
from audio.rate import SAMPLE_RATE
from audio.wav import wav_bytes

__all__ = ["SAMPLE_RATE", "AudioInfo", "DecodedAudio", "decode_audio", "file_sha256", "probe_audio", "wav_bytes"]
