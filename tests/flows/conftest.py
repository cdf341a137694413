"""A sandbox org and a session connected to it, shared by the flow tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from genesys_timeouts import Session
from genesys_timeouts.sandbox import Sandbox
from tests.in_process import in_process_session


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    """The default seeded org, without a rate limit."""
    return Sandbox(seed=7, actions=300, flows=40, rate_limit_per_minute=None)


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared org, its dependency-tracking status put back after each test."""
    yield sandbox
    sandbox.dependency_build_status = "OPERATIONAL"


@pytest.fixture(scope="module")
def session(sandbox: Sandbox) -> Session:
    """A session talking to the shared org in-process."""
    return in_process_session(sandbox)
