"""`kesheng nlp train` learns from a reviewer's tag fix stored through the API, and the service loads it."""

from __future__ import annotations

import joblib
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from nlp.analyzer import Analyzer
from nlp.classify import SklearnClassifier
from pipeline import Services
from tests.conftest import AUDIO
from tests.live import kesheng_env, run_cli
from tests.workspace import add_users, bearer, import_file

pytestmark = pytest.mark.slow


def test_train_includes_reviewer_corrections(services: Services, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the training path reads corrections the same way on both databases; run once")
    imported = import_file(
        services, AUDIO / "counter_praise.wav", "CP", "BR-A", "counter", "2026-11-20T10:00:00+08:00", None
    )
    tokens = add_users(services)
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as client:
        fixed = client.put(
            f"/api/v1/utterances/{imported.utterance_ids[0]}/tags",
            json={"intent": "suggestion", "sentiment": "neu"},  # differs from the model's tags
            headers=bearer(tokens["manager_a"]),
        )
    assert fixed.status_code == 200, fixed.text

    settings = services.settings
    output = settings.data_dir / "models" / "nlp.joblib"
    env = kesheng_env(settings.data_dir, settings.model_cache_dir, KESHENG_DATABASE_URL=database_url)
    result = run_cli(["nlp", "train"], env, timeout=600)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "reviewer correction" in result.stderr and "before" in result.stdout and "after" in result.stdout
    bundle = joblib.load(output)
    assert bundle["corrections"] == {"sentiment": 1, "intent": 1, "category": 0, "severity": 0}
    # The service picks the retrained bundle up from the data directory.
    analyzer = Analyzer.from_settings(None, None, settings.trained_model_file)
    text = "这位柜员服务态度特别好，办得又快又细心"
    retrained = analyzer.classifiers["intent"].predict([text])[0].probabilities
    shipped = Analyzer.from_settings(None).classifiers["intent"].predict([text])[0].probabilities
    assert retrained == SklearnClassifier(bundle["models"]["intent"]).predict([text])[0].probabilities
    assert retrained != shipped
