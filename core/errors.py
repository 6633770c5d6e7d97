"""One exception hierarchy for every stage below the API.

    KeshengError
    ├── ConfigError            settings or a model that cannot be used
    ├── DeviceError            an audio device, or the audio stack, that cannot be used
    ├── AudioError             input audio the pipeline refuses
    │   ├── EmptyAudioError        no bytes, or no samples after decoding
    │   ├── UnsupportedAudioError  not audio, or a container/codec we cannot read
    │   └── AudioTooLargeError     longer or bigger than the configured limits
    ├── NotFoundError          a record asked for by id does not exist (or is not the caller's to see)
    │   └── GoneError              it existed, but its data was deleted (retention, a deletion request)
    ├── AccessError            who is calling, or what they may do
    │   ├── NotAuthenticatedError  no credentials, or credentials that do not work
    │   └── ForbiddenError         a known caller whose role does not allow this
    ├── InvalidRequestError    a well-formed call with values that make no sense
    │   └── ConflictError          a key that is already taken by different content
    ├── BusyError              the service is overloaded for now; carries a retry-after in seconds
    └── JobError               a job that failed; carries the job id

The API maps these to HTTP codes in one place (api/errors.py); the CLI prints
their message. Every error carries enough context to be understood alone.
"""

from __future__ import annotations


class KeshengError(Exception):
    """Base class of every error kesheng raises on purpose."""


class ConfigError(KeshengError):
    """A setting, or a model it names, cannot be used."""


class DeviceError(KeshengError):
    """An audio input device, or the audio stack behind it, cannot be used."""


class AudioError(KeshengError):
    """Input audio the pipeline refuses; the message says why."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        self.reason = message  # without the path: what a client or a job record is told
        super().__init__(f"{source}: {message}" if source else message)


class EmptyAudioError(AudioError):
    """The file has no bytes, or decodes to no samples."""


class UnsupportedAudioError(AudioError):
    """Not an audio file, or a container/codec that cannot be decoded."""


class AudioTooLargeError(AudioError):
    """The audio is longer, or the upload bigger, than the configured limit."""


class NotFoundError(KeshengError):
    """A record that was asked for by id does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class GoneError(NotFoundError):
    """The record exists but its data was deleted on purpose (audio past retention)."""

    def __init__(self, kind: str, key: object, why: str) -> None:
        super().__init__(kind, key)
        self.args = (f"{kind} {key!r}: {why}",)


class AccessError(KeshengError):
    """The caller is unknown, or their role does not allow the action."""


class NotAuthenticatedError(AccessError):
    """No credentials, or a wrong, expired or revoked password, token or session."""


class ForbiddenError(AccessError):
    """A signed-in caller whose role does not allow this action."""


class InvalidRequestError(KeshengError):
    """A request whose values make no sense (bad role map, unknown status...)."""


class ConflictError(InvalidRequestError):
    """An idempotency key (or other unique name) already used for something else."""


class BusyError(KeshengError):
    """Overloaded for now: the caller should keep what it has and retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class JobError(KeshengError):
    """A pipeline job failed; `job_id` names it."""

    def __init__(self, job_id: int, message: str) -> None:
        self.job_id = job_id
        super().__init__(f"job {job_id}: {message}")
