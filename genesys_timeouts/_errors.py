"""The exceptions this library raises.

Every error derives from one root, so callers can catch everything with a
single ``except``; beneath it are the categories callers branch on::

    GenesysTimeoutsError
    ├── InvalidInputError (also ValueError)
    │   └── InvalidTimeoutError
    ├── ConfigurationError        credentials, region or base URL unusable
    ├── AuthenticationError       the platform refused the credentials
    ├── PermissionDeniedError     the client lacks a permission
    ├── NotFoundError             no such action, draft or flow
    ├── ConflictError             someone else changed the object first
    ├── UnsafeWriteError          the platform changed more than the timeout
    ├── RateLimitedError          Retry-After too long, or retries exhausted
    └── PlatformError             any other platform or connection failure

SDK exceptions never escape: they are translated at the boundary and kept
as ``__cause__``. Messages are full sentences that name the object and say
what to do next; they never contain a token or a client secret.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "GenesysTimeoutsError",
    "InvalidInputError",
    "InvalidTimeoutError",
    "NotFoundError",
    "PermissionDeniedError",
    "PlatformError",
    "RateLimitedError",
    "UnsafeWriteError",
]


class GenesysTimeoutsError(Exception):
    """Root of every error raised by genesys-timeouts."""


class InvalidInputError(GenesysTimeoutsError, ValueError):
    """A value given by the caller cannot be used."""


class InvalidTimeoutError(InvalidInputError):
    """A timeout is not an integer from 1 to 60, or the action cannot take one."""


class ConfigurationError(GenesysTimeoutsError):
    """Credentials, region or base URL are missing or unusable."""


class PlatformError(GenesysTimeoutsError):
    """The platform answered with an error, or could not be reached.

    Carries the HTTP ``status`` (0 when no answer arrived), the Genesys
    error ``code``, the ``correlation_id`` to quote to Genesys support and,
    for a 429, the ``retry_after`` seconds the platform asked for.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str | None = None,
        correlation_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.correlation_id = correlation_id
        self.retry_after = retry_after


class AuthenticationError(PlatformError):
    """The platform refused the client credentials or the token."""


class PermissionDeniedError(PlatformError):
    """The OAuth client lacks a permission the call needs."""


class NotFoundError(PlatformError):
    """The action, draft or flow does not exist in this org."""


class ConflictError(PlatformError):
    """The object changed on the platform since it was read."""


class RateLimitedError(PlatformError):
    """The platform kept refusing for rate limits, or asked to wait too long."""


class UnsafeWriteError(GenesysTimeoutsError):
    """The platform's copy after a write differs from what was sent.

    ``differences`` lists the dotted paths that changed besides the timeout
    and version.
    """

    def __init__(self, message: str, differences: tuple[str, ...]) -> None:
        super().__init__(message)
        self.differences = differences
