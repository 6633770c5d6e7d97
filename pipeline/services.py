"""Build the process-wide services from settings: database, audio store, models."""

from __future__ import annotations

from core.settings import Settings
from nlp.analyzer import Analyzer
from pipeline.importer import Services
from store.audio_store import LocalAudioStore
from store.db import Database
from transcribe.service import make_transcriber


def open_database(settings: Settings) -> Database:
    """The configured database, migrated to the newest schema."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    db.migrate()
    return db


def build_storage(settings: Settings) -> tuple[Database, LocalAudioStore]:
    """The database and audio store alone, for commands that need no models."""
    return open_database(settings), LocalAudioStore(settings.audio_dir)


def build_services(settings: Settings, db: Database | None = None, *, lazy_asr: bool = False) -> Services:
    """Everything a worker needs; loads the Whisper and NLP models (seconds, once per process).

    `lazy_asr`: Whisper loads on first use instead (an API node whose jobs run on worker machines).
    """
    return Services(
        settings=settings,
        db=db or open_database(settings),
        audio_store=LocalAudioStore(settings.audio_dir),
        transcriber=make_transcriber(settings, lazy=lazy_asr),
        analyzer=Analyzer.from_settings(
            settings.nlp_model_dir,
            settings.vocabulary_path,
            settings.trained_model_file,
            settings.complaint_threshold,
            settings.complaint_evidence_threshold,
        ),
    )
