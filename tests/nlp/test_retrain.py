"""`kesheng nlp train` learns from reviewers' fixes offline, refuses worse models, keeps and restores the old ones."""

from __future__ import annotations

import shutil

import joblib
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kesheng.harness import kesheng_env, run_cli
from nlp.analyzer import Analyzer
from nlp.classify import DEFAULT_MODEL_FILE, SklearnClassifier
from nlp.corpus import training_utterances
from pipeline import Services
from store.models import TagCorrection, Utterance
from tests.conftest import AUDIO
from tests.workspace import add_users, bearer, import_file

pytestmark = [pytest.mark.slow, pytest.mark.whisper]  # they import real recordings first


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("training reads corrections the same way on both databases; run once")


@pytest.mark.usefixtures("sqlite_only")
def test_train_learns_fixes_keeps_the_old_models_and_restores_them(services: Services, database_url: str) -> None:
    imported = import_file(
        services, AUDIO / "counter_praise.wav", "CP", "BR-A", "counter", "2026-11-20T10:00:00+08:00", None
    )
    tokens = add_users(services)
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as client:
        fixed = client.put(
            f"/api/v1/utterances/{imported.utterance_ids[0]}/tags",
            json={"intent": "suggestion", "sentiment": "neu", "complaint": True, "category": "other"},
            headers=bearer(tokens["manager_a"]),
        )
    assert fixed.status_code == 200, fixed.text

    settings = services.settings
    output = settings.trained_model_file
    output.parent.mkdir(parents=True)
    shutil.copy(DEFAULT_MODEL_FILE, output)  # the models a retrain will replace
    env = kesheng_env(settings.data_dir, settings.model_cache_dir, KESHENG_DATABASE_URL=database_url)
    # Offline: no package index to reach; --force so the one fix is kept whatever it does to the figures.
    env.update(PIP_INDEX_URL="http://127.0.0.1:9/", PIP_NO_INDEX="1")
    result = run_cli(["nlp", "train", "--force"], env, timeout=900)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "reviewer correction" in result.stderr and "before" in result.stdout and "after" in result.stdout
    bundle = joblib.load(output)
    assert {k: v for k, v in bundle["corrections"].items() if v} == {
        "sentiment": 1,
        "intent": 1,
        "complaint": 1,
        "category": 1,
    }
    previous = output.with_name("nlp.previous.joblib")
    assert previous.read_bytes() == DEFAULT_MODEL_FILE.read_bytes()

    # The service loads the retrained bundle from the data directory; it differs from the shipped one.
    text = "这位柜员服务态度特别好，办得又快又细心"
    retrained = Analyzer.from_settings(None, None, output).classifiers["intent"].predict([text])[0].probabilities
    shipped = Analyzer.from_settings(None).classifiers["intent"].predict([text])[0].probabilities
    assert retrained == SklearnClassifier(bundle["models"]["intent"]).predict([text])[0].probabilities
    assert retrained != shipped

    restored = run_cli(["nlp", "restore"], env)
    assert restored.returncode == 0, restored.stderr
    assert output.read_bytes() == DEFAULT_MODEL_FILE.read_bytes() and not previous.exists()


@pytest.mark.usefixtures("sqlite_only")
def test_a_worse_model_is_refused_and_the_current_one_kept(services: Services, database_url: str) -> None:
    # A reviewer (or a script gone wrong) marks every training complaint "not a complaint".
    imported = import_file(
        services, AUDIO / "counter_complaint_fees.wav", "CF", "BR-A", "counter", "2026-11-20T10:00:00+08:00", None
    )
    complaints = sorted({u.text for u in training_utterances() if u.is_complaint})
    with services.db.transaction() as session:
        rows = [Utterance(interaction_id=imported.interaction_id, start=0.0, end=1.0, text=t) for t in complaints]
        session.add_all(rows)
        session.flush()
        session.add_all(
            TagCorrection(
                utterance_id=u.id, kind="complaint", old_label="fees", new_label="-", text=u.text, reviewer="x"
            )
            for u in rows
        )
    settings = services.settings
    env = kesheng_env(settings.data_dir, settings.model_cache_dir, KESHENG_DATABASE_URL=database_url)
    result = run_cli(["nlp", "train"], env, timeout=900)
    assert result.returncode == 1, result.stderr + result.stdout
    assert "refused" in result.stderr and "complaint_utterance.f1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not settings.trained_model_file.exists()  # the shipped models stay active
    assert settings.trained_model_file.with_name("nlp.refused.joblib").exists()
