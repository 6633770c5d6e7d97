"""Chinese text every stage shares: script conversion and comparison (OpenCC), and the vocabulary.

Transcription writes with the vocabulary and the script tools; the NLP reads with them. Neither
stage imports the other for them.
"""
