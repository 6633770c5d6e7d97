"""The one sample rate every stage works at: Whisper's, the VAD's, the agent's and the spool's."""

SAMPLE_RATE = 16000
