"""The platform-side state of one sandbox org.

Everything a request can read or change lives here, in the JSON shapes the
API returns, so tests can inspect exactly what a write did.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = [
    "BUILD_STATUSES",
    "CONFLICT_STYLES",
    "DEFAULT_ORG_ACTION_LIMIT",
    "Fault",
    "FlowRecord",
    "OrgState",
    "RequestRecord",
    "Token",
]

#: How a stale ``version`` on a write is reported (see docs/sandbox.md).
CONFLICT_STYLES = ("409", "400")

#: Every status the dependency-tracking build can report.
BUILD_STATUSES = (
    "OPERATIONAL",
    "OPERATIONALNEEDSREBUILD",
    "NOTBUILT",
    "BUILDQUEUED",
    "BUILDINPROGRESS",
    "BUILDINITIALIZING",
    "BUILDINCOMPLETE",
)

#: ``dataactions`` limit ``actions.total.max`` as seen in a 2026 org.
DEFAULT_ORG_ACTION_LIMIT = 500

Json = dict[str, Any]


class RequestRecord(NamedTuple):
    """One request the sandbox served, kept so tests can count API calls."""

    method: str
    path: str
    query: dict[str, str]
    status: int


@dataclasses.dataclass
class Token:
    """An issued access token: when it dies and its rate-limit window."""

    expires_at: float
    window_start: float = 0.0
    window_count: int = 0


@dataclasses.dataclass
class Fault:
    """A planned failure for the next matching requests."""

    remaining: int
    status: int
    method: str | None
    path_contains: str | None
    retry_after: int | None

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method.upper():
            return False

        return self.path_contains is None or self.path_contains in path


@dataclasses.dataclass
class FlowRecord:
    """One Architect flow: its identity and a document per version.

    ``documents`` maps a version id such as ``"3.0"`` to the flow document
    that version holds. ``published_version`` is None for a flow that was
    checked in but never published.
    """

    id: str
    name: str
    type: str
    description: str
    division: Json
    documents: dict[str, Json]
    published_version: str | None
    checked_in_version: str | None
    created_ms: int

    @property
    def latest_version(self) -> str:
        """The newest version: the one ``latestconfiguration`` returns."""
        return max(self.documents, key=lambda v: float(v))


@dataclasses.dataclass
class OrgState:
    """Integrations, actions, drafts, flows and the service's bookkeeping."""

    clock: Callable[[], float]
    client_id: str
    client_secret: str
    rate_limit_per_minute: int | None
    token_lifetime_seconds: int
    integrations: dict[str, Json] = dataclasses.field(default_factory=dict)
    actions: dict[str, Json] = dataclasses.field(default_factory=dict)
    drafts: dict[str, Json] = dataclasses.field(default_factory=dict)
    flows: dict[str, FlowRecord] = dataclasses.field(default_factory=dict)
    #: (objectType, action id) -> [(flow id, version id, "published"/"checkedIn")]
    dependencies: dict[tuple[str, str], list[tuple[str, str, str]]] = dataclasses.field(
        default_factory=dict
    )
    tokens: dict[str, Token] = dataclasses.field(default_factory=dict)
    requests: list[RequestRecord] = dataclasses.field(default_factory=list)
    faults: list[Fault] = dataclasses.field(default_factory=list)
    conflict_style: str = "409"
    dependency_build_status: str = "OPERATIONAL"
    org_action_limit: int = DEFAULT_ORG_ACTION_LIMIT
    # One lock for the whole org: the loopback server is threaded and a write
    # must never interleave with another request's read of the same action.
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock)

    def integration_of(self, action: Json) -> Json | None:
        """The integration an action belongs to, if it still exists."""
        return self.integrations.get(str(action.get("integrationId", "")))
