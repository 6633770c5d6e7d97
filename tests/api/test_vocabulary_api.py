"""The vocabulary through the real app: admins read and replace it, and the next recording uses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services
from store.audit import AuditFilter, list_entries

KEY = {"X-API-Key": "test-key"}
FILE = "招财宝\n[branch TJ01 bank]\n滨海新区\n"


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as test_client:
        yield test_client


@pytest.mark.whisper
def test_replace_then_read_and_see_the_hotwords_of_a_branch(client: TestClient, services: Services) -> None:
    empty = client.get("/api/v1/vocabulary", headers=KEY)
    assert empty.status_code == 200 and empty.json()["text"] == ""
    assert "柜台" in empty.json()["built_in"]["industry common"]

    saved = client.put("/api/v1/vocabulary", headers=KEY, json={"text": FILE})
    assert saved.status_code == 200
    assert saved.json()["sections"] == {"": ["招财宝"], "branch TJ01": ["滨海新区"]}
    assert services.settings.vocabulary_path.read_text(encoding="utf-8") == FILE

    branch = client.get("/api/v1/vocabulary/hotwords", headers=KEY, params={"branch": "TJ01"}).json()
    assert branch["hotwords"][:2] == ["滨海新区", "招财宝"] and branch["industry"] == "bank"
    assert "信用卡" in branch["hotwords"] and 0 < branch["tokens"] <= branch["budget"]
    other = client.get("/api/v1/vocabulary/hotwords", headers=KEY).json()
    assert other["hotwords"] == ["招财宝"] and other["industry"] == ""

    with services.db.transaction() as session:
        rows, _ = list_entries(session, AuditFilter(action="vocabulary.update"))
        assert len(rows) == 1 and "招财宝" not in str(rows[0].detail)  # counts, not content


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"text": "招财宝\n[shop 7]\n"}, "line 2"),
        ({"text": "x" * 200_001}, "200000"),
        ({"words": ["招财宝"]}, "text"),
        ({"text": 7}, "text"),
    ],
)
def test_a_bad_vocabulary_is_refused_and_the_old_one_kept(
    client: TestClient, services: Services, body: dict, fragment: str
) -> None:
    assert client.put("/api/v1/vocabulary", headers=KEY, json={"text": FILE}).status_code == 200
    refused = client.put("/api/v1/vocabulary", headers=KEY, json=body)
    assert refused.status_code == 422 and fragment in refused.text
    assert services.settings.vocabulary_path.read_text(encoding="utf-8") == FILE


def test_only_admins(client: TestClient) -> None:
    assert client.get("/api/v1/vocabulary").status_code == 401
    assert client.put("/api/v1/vocabulary", json={"text": "招财宝"}).status_code == 401
    assert client.get("/api/v1/vocabulary/hotwords").status_code == 401
