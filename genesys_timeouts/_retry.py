"""When and how long to retry a failed platform call.

The retry engine is ``backoff``; everything that touches it is in this
module, so it can be swapped in one place. Every retry is logged on the
``genesys_timeouts`` logger.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import attrs
import backoff

from ._errors import PlatformError, RateLimitedError

__all__ = ["RetryPolicy", "call_with_retry"]

_log = logging.getLogger("genesys_timeouts")

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How many times to try a call, and how long to wait in between.

    A 429 waits for the platform's ``Retry-After`` (when it is no longer
    than ``max_retry_after_seconds``; otherwise the call fails at once).
    A 5xx or a lost connection is retried with capped, jittered exponential
    waits (or its own ``Retry-After``), but only for calls that are safe to
    repeat. ``wait_scale``
    multiplies every wait: ``RetryPolicy.instant()`` sets it to zero.
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    initial_wait_seconds: float = attrs.field(
        default=1.0, validator=attrs.validators.ge(0)
    )
    max_wait_seconds: float = attrs.field(
        default=30.0, validator=attrs.validators.ge(0)
    )
    max_retry_after_seconds: float = attrs.field(
        default=180.0, validator=attrs.validators.ge(0)
    )
    wait_scale: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))

    @classmethod
    def instant(cls, attempts: int = 5) -> RetryPolicy:
        """Retry as usual but without waiting: for tests."""
        return cls(attempts=attempts, wait_scale=0.0)

    @classmethod
    def never(cls) -> RetryPolicy:
        """Try every call exactly once."""
        return cls(attempts=1)

    def retry_after_exceeded(self, error: PlatformError) -> bool:
        """Whether the platform asks for a longer wait than this policy allows."""
        retry_after = getattr(error, "retry_after", None)
        return retry_after is not None and retry_after > self.max_retry_after_seconds

    def is_retryable(self, error: PlatformError, *, idempotent: bool) -> bool:
        """Whether ``error`` may be retried for a call of this kind."""
        if self.retry_after_exceeded(error):
            return False
        if isinstance(error, RateLimitedError):
            # A 429 means the platform did not act on the request.
            return True
        if error.status == 0 or error.status >= 500:
            return idempotent

        return False

    def _waits(self) -> Generator[float, Any, None]:
        error = yield 0.0
        attempt = 0
        while True:
            retry_after = getattr(error, "retry_after", None)
            if retry_after is not None:
                wait = float(retry_after)
            else:
                ceiling = min(
                    self.max_wait_seconds, self.initial_wait_seconds * 2**attempt
                )
                wait = random.uniform(ceiling / 2, ceiling)  # jitter, not cryptography
            attempt += 1
            error = yield wait * self.wait_scale


def call_with_retry(
    policy: RetryPolicy,
    call: Callable[[], T],
    *,
    what: str,
    idempotent: bool,
) -> T:
    """Run ``call`` under ``policy``; ``what`` names the call in log lines."""

    def give_up(error: Exception) -> bool:
        return not (
            isinstance(error, PlatformError)
            and policy.is_retryable(error, idempotent=idempotent)
        )

    def log_retry(details: Any) -> None:
        error = details.get("exception")
        _log.warning(
            "retrying %s after %s (attempt %d of %d, waiting %.1f s)",
            what,
            getattr(error, "status", "error"),
            details["tries"],
            policy.attempts,
            details["wait"],
            extra={
                "event": "retry",
                "call": what,
                "status": getattr(error, "status", None),
                "attempt": details["tries"],
                "wait_seconds": details["wait"],
            },
        )

    retrying = backoff.on_exception(
        policy._waits,
        PlatformError,
        max_tries=policy.attempts,
        giveup=give_up,
        on_backoff=log_retry,
        jitter=None,
        raise_on_giveup=True,
        logger=None,
    )(call)

    return retrying()
