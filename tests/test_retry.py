"""The retry policy waits for Retry-After, retries only safe calls, and logs each retry."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genesys_timeouts import PlatformError, RateLimitedError, RetryPolicy
from genesys_timeouts._retry import call_with_retry


class Flaky:
    """Fails with the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_rate_limit_is_retried_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A 429 is retried even for a write, and the retry is logged."""
    call = Flaky(RateLimitedError("slow down", status=429, retry_after=2))

    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        result = call_with_retry(
            RetryPolicy.instant(), call, what="patch x", idempotent=False
        )

    assert ("ok", 2) == (result, call.calls)
    assert ["retry"] == [getattr(r, "event", None) for r in caplog.records]


def test_server_error_is_retried_only_when_safe() -> None:
    """A 503 is retried for a read and raised at once for a write."""
    read = Flaky(PlatformError("down", status=503))
    write = Flaky(PlatformError("down", status=503))

    assert "ok" == call_with_retry(
        RetryPolicy.instant(), read, what="get", idempotent=True
    )
    with pytest.raises(PlatformError):
        call_with_retry(RetryPolicy.instant(), write, what="patch", idempotent=False)
    assert 1 == write.calls


def test_too_long_retry_after_gives_up_at_once() -> None:
    """A Retry-After longer than the cap fails immediately rather than hanging."""
    call = Flaky(RateLimitedError("daily limit", status=429, retry_after=7200))

    with pytest.raises(RateLimitedError):
        call_with_retry(RetryPolicy.instant(), call, what="get", idempotent=True)
    assert 1 == call.calls


def test_client_errors_are_not_retried() -> None:
    """A 400 is the caller's problem and is raised on the first try."""
    call = Flaky(PlatformError("bad", status=400))

    with pytest.raises(PlatformError):
        call_with_retry(RetryPolicy.instant(), call, what="get", idempotent=True)
    assert 1 == call.calls


def test_attempts_are_bounded() -> None:
    """A call that keeps failing is tried exactly ``attempts`` times."""
    call = Flaky(*[PlatformError("down", status=502) for _ in range(10)])

    with pytest.raises(PlatformError):
        call_with_retry(
            RetryPolicy.instant(attempts=3), call, what="get", idempotent=True
        )
    assert 3 == call.calls


@given(st.integers(min_value=0, max_value=30), st.floats(min_value=0, max_value=100))
def test_waits_honour_retry_after_and_cap(attempt: int, retry_after: float) -> None:
    """Waits equal Retry-After when given, and never exceed the cap otherwise."""
    policy = RetryPolicy(initial_wait_seconds=1, max_wait_seconds=30)
    waits = policy._waits()
    next(waits)
    for _ in range(attempt):
        waits.send(PlatformError("down", status=503))
    plain = waits.send(PlatformError("down", status=503))
    told = waits.send(RateLimitedError("slow", status=429, retry_after=retry_after))

    assert 0 <= plain <= 30
    assert retry_after == told


def test_server_error_with_too_long_retry_after_gives_up() -> None:
    """A 503 asking for a wait beyond the cap is not retried, even for a read."""
    call = Flaky(PlatformError("maintenance", status=503, retry_after=3600))

    with pytest.raises(PlatformError):
        call_with_retry(RetryPolicy.instant(), call, what="get", idempotent=True)
    assert 1 == call.calls


def test_server_error_retry_after_is_the_wait() -> None:
    """A 503 with Retry-After waits that long rather than the exponential wait."""
    policy = RetryPolicy(initial_wait_seconds=1, max_wait_seconds=30)
    waits = policy._waits()
    next(waits)

    assert 7.0 == waits.send(PlatformError("busy", status=503, retry_after=7.0))
