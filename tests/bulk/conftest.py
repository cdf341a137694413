"""Fixtures for the bulk-change tests: a small sandbox org and a session to it."""

from __future__ import annotations

import pytest

from genesys_timeouts import Session
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import Interceptor
from tests.in_process import in_process_session


@pytest.fixture
def sb() -> Sandbox:
    """A small org, fresh for each test because every test changes it."""
    return Sandbox(seed=7, actions=40, flows=2, rate_limit_per_minute=None)


@pytest.fixture
def session(sb: Sandbox) -> Session:
    """A session talking to ``sb`` in-process, retrying without waiting."""
    return in_process_session(sb)


@pytest.fixture
def spy(sb: Sandbox) -> Interceptor:
    """The rest of the world, standing between the library and ``sb``."""
    return Interceptor(sb.app)


@pytest.fixture
def spied(sb: Sandbox, spy: Interceptor) -> Session:
    """A session to ``sb`` whose requests pass through ``spy``."""
    return in_process_session(sb, spy)
