"""Speech to text: faster-whisper with VAD, hallucination guards, roles per channel, one script."""

from transcribe.engine import DecodeOptions, Transcriber, WhisperTranscriber
from transcribe.service import decode_options, make_transcriber, transcribe_audio, transcribe_file
from transcribe.types import Segment, Transcript

__all__ = [
    "DecodeOptions",
    "Segment",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "decode_options",
    "make_transcriber",
    "transcribe_audio",
    "transcribe_file",
]
