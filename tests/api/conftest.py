"""The review-workspace world: two branches of real imports, a user per role, the app in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pipeline import Services
from tests.workspace import World, add_users, seed_two_branches


@pytest.fixture
def world(services: Services) -> Iterator[World]:
    """(client, imports by branch, API token by username)."""
    imported = seed_two_branches(services)
    tokens = add_users(services)
    with TestClient(create_app(services.settings, services=services, run_workers=False)) as client:
        yield client, imported, tokens
