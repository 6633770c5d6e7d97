"""The agent's calls to the server besides uploading: enrolment, and asking whose a token is."""

from __future__ import annotations

import httpx

from core.errors import KeshengError


def server_detail(response: httpx.Response) -> str:
    """The `detail` of a kesheng error response, or the start of whatever else came back."""
    try:
        return str(response.json().get("detail", ""))[:300]
    except (ValueError, AttributeError):
        return response.text[:300]


def enrol(server: str, code: str, name: str | None) -> tuple[int, str]:
    """Trade a one-time enrolment code for this device's id and token."""
    try:
        response = httpx.post(
            f"{server.rstrip('/')}/api/v1/devices/enrol", json={"code": code, "name": name}, timeout=30
        )
    except httpx.HTTPError as exc:
        raise KeshengError(f"cannot reach {server}: {exc}") from exc
    if response.status_code != 200:
        raise KeshengError(f"enrolment refused ({response.status_code}): {server_detail(response)}")
    body = response.json()
    return int(body["device_id"]), str(body["token"])


def device_of_token(server: str, token: str) -> int:
    """The id of the device a token was given to (a token typed by hand instead of enrolling)."""
    try:
        response = httpx.get(
            f"{server.rstrip('/')}/api/v1/devices/me", headers={"Authorization": f"Bearer {token}"}, timeout=15
        )
    except httpx.HTTPError as exc:
        raise KeshengError(f"cannot reach {server} to check --token ({exc}); enrol once online instead") from exc
    if response.status_code != 200:
        raise KeshengError(f"the server refused --token ({response.status_code}): {server_detail(response)}")
    return int(response.json()["id"])
