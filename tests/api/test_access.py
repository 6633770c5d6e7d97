"""Users, roles and branch scopes through every endpoint; one audit row per personal-data read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from pipeline import Services
from store.devices import add_device
from store.models import AuditEntry, CaptureSession, utcnow
from tests.conftest import AUDIO
from tests.workspace import PASSWORD, Imported, World, bearer


def _audit_rows(services: Services) -> list[AuditEntry]:
    with services.db.transaction() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _capture_session_in(services: Services, branch: str) -> int:
    """A counter's capture session in `branch`, as an enrolled agent would have opened it."""
    with services.db.transaction() as session:
        device, _code = add_device(session, branch, counter="1")
        capture = CaptureSession(device_id=device.id, name="s1", mode="counter", started_at=utcnow())
        session.add(capture)
        session.flush()
        return capture.id


def _cross_branch_requests(b: Imported, capture_id: int) -> list[tuple[str, str, dict]]:
    """Every endpoint that takes a record id, aimed at branch B's records."""
    utterance = b.utterance_ids[-1]
    complaint = b.complaint_ids[0]
    return [
        ("PUT", f"/api/v1/capture-sessions/{capture_id}/customer", {"json": {"customer": "CX"}}),
        ("GET", f"/api/v1/interactions/{b.interaction_id}", {}),
        ("GET", f"/api/v1/complaints/{complaint}", {}),
        ("PATCH", f"/api/v1/complaints/{complaint}", {"json": {"status": "resolved", "note": "x"}}),
        ("GET", "/api/v1/customers/CB/timeline", {}),
        ("GET", f"/api/v1/utterances/{utterance}/audio", {}),
        ("PUT", f"/api/v1/utterances/{utterance}/tags", {"json": {"sentiment": "pos"}}),
        ("GET", f"/api/v1/jobs/{b.job_id}", {}),
        ("GET", f"/complaints/{complaint}", {}),
        ("GET", "/customers/CB", {}),
    ]


def test_manager_of_one_branch_is_denied_everything_of_another(world: World, services: Services) -> None:
    client, imported, tokens = world
    a, b = imported["A"], imported["B"]
    assert a.complaint_ids and b.complaint_ids
    manager = bearer(tokens["manager_a"])
    capture_b = _capture_session_in(services, "BR-B")
    before = len(_audit_rows(services))

    for method, url, kwargs in _cross_branch_requests(b, capture_b):
        response = client.request(method, url, headers=manager, **kwargs)
        assert response.status_code == 404, (method, url, response.status_code, response.text)
        assert "快递" not in response.text  # nothing of B's transcript leaks in the error

    # Lists, search, export and the dashboard show only branch A.
    listing = client.get("/api/v1/complaints", headers=manager).json()
    assert {c["branch"] for c in listing["items"]} == {"BR-A"} and listing["total"] == len(a.complaint_ids)
    assert sum(listing["counts"]["status"].values()) == listing["total"]
    assert client.get("/api/v1/complaints?branch=BR-B", headers=manager).json()["total"] == 0
    assert client.get("/api/v1/search", params={"q": "快递"}, headers=manager).json()["hits"] == []
    export = client.get("/api/v1/complaints/export.csv", headers=manager).text
    assert "BR-B" not in export and "BR-A" in export
    dashboard = client.get("/api/v1/dashboard", headers=manager).json()
    assert set(dashboard["by_branch"]) == {"BR-A"}
    # Changes that are not a manager's at all.
    assert client.delete("/api/v1/customers/CB", headers=manager).status_code == 403
    assert client.get("/api/v1/audit", headers=manager).status_code == 403
    assert client.get("/api/v1/devices", headers=manager).status_code == 403
    assert client.get("/api/v1/capture-sessions", headers=manager).json() == []
    assert [c["id"] for c in client.get("/api/v1/capture-sessions", headers=bearer(tokens["manager_b"])).json()] == [
        capture_b
    ]
    with (AUDIO / "counter_praise.wav").open("rb") as audio:
        upload = client.post(
            "/api/v1/recordings", headers=manager, data={"branch": "BR-B"}, files={"file": ("p.wav", audio)}
        )
    assert upload.status_code == 403

    # Nothing of B was read, so nothing of B was audited as read.
    new = _audit_rows(services)[before:]
    assert not [e for e in new if e.action.endswith(".read") and e.object_id in {str(x) for x in b.complaint_ids}]
    assert all(e.actor == "manager_a" for e in new)

    # The manager of B sees B: the same requests succeed for them.
    manager_b = bearer(tokens["manager_b"])
    for method, url, kwargs in _cross_branch_requests(b, capture_b):
        response = client.request(method, url, headers=manager_b, **kwargs)
        assert response.status_code == 200, (method, url, response.status_code, response.text)


def test_every_personal_data_read_writes_one_audit_row(world: World, services: Services) -> None:
    client, imported, tokens = world
    a = imported["A"]
    manager = bearer(tokens["manager_a"])
    reads = [
        (f"/api/v1/interactions/{a.interaction_id}", "interaction.read", str(a.interaction_id)),
        (f"/api/v1/complaints/{a.complaint_ids[0]}", "complaint.read", str(a.complaint_ids[0])),
        (f"/api/v1/utterances/{a.utterance_ids[0]}/audio", "audio.read", str(a.utterance_ids[0])),
        ("/api/v1/customers/CA/timeline", "customer.read", None),
        ("/api/v1/complaints", "complaint.list", None),
        ("/api/v1/search?q=手续费", "search", None),
        ("/api/v1/complaints/export.csv", "complaint.export", None),
        (f"/complaints/{a.complaint_ids[0]}", "complaint.read", str(a.complaint_ids[0])),
        ("/customers/CA", "customer.read", None),
    ]
    for url, action, object_id in reads:
        before = len(_audit_rows(services))
        response = client.get(url, headers=manager)
        assert response.status_code == 200, (url, response.text)
        new = _audit_rows(services)[before:]
        assert [(e.action, e.actor) for e in new] == [(action, "manager_a")], (url, new)
        if object_id:
            assert new[0].object_id == object_id
        # The entry says who and what, never the content that was read.
        assert "手续费" not in str(new[0].detail) or action == "search"

    before = len(_audit_rows(services))
    changed = client.patch(
        f"/api/v1/complaints/{a.complaint_ids[0]}", headers=manager, json={"status": "resolved", "note": "refunded"}
    )
    assert changed.status_code == 200
    (entry,) = _audit_rows(services)[before:]
    assert (entry.action, entry.detail["status"], entry.detail["note"]) == ("complaint.update", "resolved", True)

    # Auditors read the log; nobody can rewrite it, not even with SQL.
    log = client.get("/api/v1/audit", headers=bearer(tokens["auditor"]), params={"actor": "manager_a"}).json()
    assert log["total"] >= len(reads) + 1
    for statement in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), services.db.transaction() as session:
            session.execute(text(statement))
    with services.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.actor == "nobody")) == 0


def test_roles_and_credentials(world: World) -> None:
    client, imported, tokens = world
    a = imported["A"]
    interaction = f"/api/v1/interactions/{a.interaction_id}"
    assert client.get(interaction).status_code == 401
    assert client.get(interaction, headers=bearer("ksu_not-a-token")).status_code == 401
    assert client.get(interaction, headers=bearer("garbage")).status_code == 401
    # Auditors and counter staff have no business reading transcripts.
    assert client.get(interaction, headers=bearer(tokens["auditor"])).status_code == 403
    assert client.get(interaction, headers=bearer(tokens["staff_a"])).status_code == 403
    assert client.get("/api/v1/complaints", headers=bearer(tokens["staff_a"])).status_code == 403
    assert client.get(f"/api/v1/jobs/{a.job_id}", headers=bearer(tokens["staff_a"])).status_code == 200
    assert client.get(f"/api/v1/jobs/{imported['B'].job_id}", headers=bearer(tokens["staff_a"])).status_code == 404
    assert client.get("/api/v1/dashboard", headers=bearer(tokens["auditor"])).status_code == 200
    assert client.get("/api/v1/audit", headers=bearer(tokens["admin"])).status_code == 200
    me = client.get("/api/v1/auth/me", headers=bearer(tokens["manager_a"])).json()
    assert (me["role"], me["branches"]) == ("cx_manager", ["BR-A"])


def test_web_session_needs_csrf_for_changes(world: World) -> None:
    client, imported, _tokens = world
    complaint = f"/api/v1/complaints/{imported['A'].complaint_ids[0]}"
    assert client.post("/api/v1/auth/login", json={"username": "manager_a", "password": "wrong"}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "nobody", "password": "wrong"}).status_code == 401
    signed_in = client.post("/api/v1/auth/login", json={"username": "manager_a", "password": PASSWORD})
    assert signed_in.status_code == 200
    csrf = signed_in.json()["csrf"]
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get(complaint).status_code == 200  # reads ride on the cookie
    assert client.patch(complaint, json={"status": "in_review"}).status_code == 403  # changes need the token
    assert client.patch(complaint, json={"status": "in_review"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.patch(complaint, json={"status": "in_review"}, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get(complaint).status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 422),
        (b"{", 422),
        (b'{"username": "manager_a"}', 422),
        (b'{"username": "' + b"x" * 100 + b'", "password": "p"}', 422),
        (b'{"username": 5, "password": []}', 422),
    ],
)
def test_login_refuses_malformed_bodies(world: World, body: bytes, status: int) -> None:
    client, _imported, _tokens = world
    response = client.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
