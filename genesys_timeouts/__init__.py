"""Audit and safely raise Genesys Cloud data-action timeouts.

A thin, typed facade over the official ``PureCloudPlatformClientV2`` SDK.
The SDK itself is imported only when :func:`connect` builds a session, so
importing this package stays fast.
"""

from __future__ import annotations

from ._actions import (
    inspect_action,
    list_actions,
    update_timeout,
    validate_timeout,
)
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    GenesysTimeoutsError,
    InvalidInputError,
    InvalidTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    PlatformError,
    RateLimitedError,
    UnsafeWriteError,
)
from ._models import (
    DEFAULT_TIMEOUT_SECONDS,
    ActionDetail,
    ActionKind,
    DataAction,
    UpdateResult,
)
from ._regions import resolve_base_url
from ._retry import RetryPolicy
from ._session import Session, connect

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "ActionDetail",
    "ActionKind",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DataAction",
    "GenesysTimeoutsError",
    "InvalidInputError",
    "InvalidTimeoutError",
    "NotFoundError",
    "PermissionDeniedError",
    "PlatformError",
    "RateLimitedError",
    "RetryPolicy",
    "Session",
    "UnsafeWriteError",
    "UpdateResult",
    "connect",
    "inspect_action",
    "list_actions",
    "resolve_base_url",
    "update_timeout",
    "validate_timeout",
]
