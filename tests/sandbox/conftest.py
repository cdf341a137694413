"""Shared fixtures: a small sandbox and a raw HTTP client logged in to it."""

from __future__ import annotations

import pytest

from genesys_timeouts.sandbox import Sandbox
from tests.sandbox.sandbox_helpers import Raw


@pytest.fixture
def sb() -> Sandbox:
    """A small org, fresh for each test because tests change it."""
    return Sandbox(seed=11, actions=60, flows=12)


@pytest.fixture
def raw(sb: Sandbox) -> Raw:
    """A raw in-process HTTP client logged in to ``sb``."""
    return Raw(sb)
