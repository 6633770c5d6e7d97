"""Shared fixtures: real models loaded once, a fresh database per test on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import text

from core.settings import Settings
from kesheng.harness import AgentProcess, ToolMissing
from nlp.analyzer import Analyzer
from pipeline.importer import Services
from store.audio_store import LocalAudioStore
from store.db import Database
from store.models import Base
from transcribe import Transcriber, make_transcriber
from transcribe.model import model_name
from transcribe.service import LazyTranscriber

FIXTURES = Path(__file__).parent / "fixtures"
AUDIO = FIXTURES / "audio"
REAL = FIXTURES / "real"

# What a fixture needs beyond Python and the repository. Every test that uses one is marked with it,
# so `scripts/test.sh --fast` can leave out all that loads Whisper, starts processes or needs a
# system service; a test file that starts processes itself carries `pytestmark = pytest.mark.process`.
# `services` loads Whisper only when a test transcribes, and such a test must be marked `whisper`
# (checked as it runs: see _lazy_whisper).
FIXTURE_NEEDS = {
    "transcriber": "whisper",
    "world": "whisper",
    "server": "process",
    "pulse": "pulse",
    "null_sinks": "pulse",
    "cluster": "process",
    "browser": "browser",
}


def _missing_tool(exc: ToolMissing) -> NoReturn:
    """A skip on a developer's machine; in CI every tool is installed (scripts/test.sh), so a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test, but {exc}")
    pytest.skip(str(exc))


_running: list[pytest.Item] = []  # the test being set up, run or torn down


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _running.append(item)
    try:
        return (yield)
    finally:
        _running.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except ToolMissing as exc:
        _missing_tool(exc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except ToolMissing as exc:
        _missing_tool(exc)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    AgentProcess.stop_all()  # an agent left running by a failed test would fail the next one too


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs = {need for name, need in FIXTURE_NEEDS.items() if name in getattr(item, "fixturenames", ())}
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgres":
            needs.add("postgres")
        for need in sorted(needs):
            item.add_marker(need)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One assembled Whisper model for the whole run."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path) -> Settings:
    """Settings with a fresh data directory, as a user would have them (defaults), plus a key."""
    return Settings(
        data_dir=tmp_path / "data", model_cache=model_cache, api_key="test-key", poll_interval=0.1, _env_file=None
    )


@pytest.fixture(scope="session")
def transcriber(model_cache: Path) -> Transcriber:
    """The real Whisper model (the offline base), loaded once."""
    return make_transcriber(Settings(model_cache=model_cache, _env_file=None))


class _WhisperForMarkedTests(LazyTranscriber):
    """Whisper loaded when a test first transcribes; only a test marked `whisper` may (so the fast
    lane, which leaves those out, never loads it, and a test that forgets the mark fails in CI)."""

    @property
    def engine(self) -> Transcriber:
        test = _running[-1] if _running else None
        if test is not None and test.get_closest_marker("whisper") is None:
            raise AssertionError(f"{test.nodeid} transcribes: mark it `whisper` (pytest.mark.whisper)")
        return super().engine


@pytest.fixture(scope="session")
def lazy_transcriber(model_cache: Path) -> Transcriber:
    """The same model as `transcriber` (loaded once per process either way), on first use."""
    settings = Settings(model_cache=model_cache, _env_file=None)
    return _WhisperForMarkedTests(model_name(settings.asr_model), lambda: make_transcriber(settings))


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The bundled NLP models."""
    return Analyzer.from_settings(None)


def _postgres_url() -> str | None:
    url = os.environ.get("KESHENG_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        pytest.fail("CI must test PostgreSQL: KESHENG_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")
    return url


def _reset_postgres(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kesheng.db'}"
    url = _postgres_url()
    if not url:
        pytest.skip("no PostgreSQL (set KESHENG_TEST_POSTGRES_URL)")
    _reset_postgres(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated, empty database."""
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def services(settings: Settings, db: Database, lazy_transcriber: Transcriber, analyzer: Analyzer) -> Services:
    """Real services on a fresh database and audio store."""
    settings = settings.model_copy(update={"database_url": db.url})
    return Services(
        settings=settings,
        db=db,
        audio_store=LocalAudioStore(settings.audio_dir),
        transcriber=lazy_transcriber,
        analyzer=analyzer,
    )
