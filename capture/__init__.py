"""The capture agent: records counter microphones, arrays and headsets, keeps every utterance in a
durable spool on disk, and uploads it to the server."""
