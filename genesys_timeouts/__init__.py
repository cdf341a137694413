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
from ._apply import ActionOutcome, ApplyReport, apply, resume, rollback
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
from ._journal import Journal, JournalEntry, Outcome, default_journal_path
from ._models import (
    DEFAULT_TIMEOUT_SECONDS,
    ActionDetail,
    ActionKind,
    DataAction,
    UpdateResult,
)
from ._plan import (
    Plan,
    PlannedChange,
    PlannedSkip,
    Selection,
    SkipReason,
    plan_timeouts,
)
from ._regions import resolve_base_url
from ._retry import RetryPolicy
from ._session import Session, connect

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "ActionDetail",
    "ActionKind",
    "ActionOutcome",
    "ApplyReport",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DataAction",
    "GenesysTimeoutsError",
    "InvalidInputError",
    "InvalidTimeoutError",
    "Journal",
    "JournalEntry",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "Plan",
    "PlannedChange",
    "PlannedSkip",
    "PlatformError",
    "RateLimitedError",
    "RetryPolicy",
    "Selection",
    "Session",
    "SkipReason",
    "UnsafeWriteError",
    "UpdateResult",
    "apply",
    "connect",
    "default_journal_path",
    "inspect_action",
    "list_actions",
    "plan_timeouts",
    "resolve_base_url",
    "resume",
    "rollback",
    "update_timeout",
    "validate_timeout",
]
