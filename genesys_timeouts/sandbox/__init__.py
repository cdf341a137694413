"""An in-memory Genesys Cloud org that the official SDK can talk to.

Use it like moto for AWS: build a :class:`Sandbox`, point the SDK at it
in-process (``sb.transport()``, no sockets) or over loopback HTTP
(``with sb.serve() as url``), and read ``sb.actions`` to see what a write
really did. It emulates data actions, drafts, flows and dependency tracking
with the platform's errors, limits and quirks; see docs/sandbox.md.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._app import SandboxApp
from ._seed import seed_org
from ._server import serve, serve_forever
from ._state import (
    BUILD_STATUSES,
    CONFLICT_STYLES,
    Fault,
    FlowRecord,
    OrgState,
    RequestRecord,
)

if TYPE_CHECKING:
    from genesys_timeouts._sdk import Transport

__all__ = ["FlowRecord", "RequestRecord", "Sandbox", "run_server"]

Json = dict[str, Any]

#: The base URL the in-process transport uses; nothing resolves it.
BASE_URL = "https://api.sandbox.invalid"


class Sandbox:
    """A seeded, stateful org behind a WSGI app.

    Args:
        seed: drives every generated id, name and value.
        actions: how many actions the default listing shows (custom, function
            and static; custom-authentication actions come on top).
        flows: how many Architect flows to generate.
        rate_limit_per_minute: requests per token per minute; None disables it.
        token_lifetime_seconds: how long an issued token stays valid.
        clock: returns seconds; drives token expiry and rate-limit windows.
    """

    def __init__(
        self,
        seed: int = 7,
        actions: int = 300,
        flows: int = 40,
        rate_limit_per_minute: int | None = 300,
        token_lifetime_seconds: int = 86400,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if actions < 0 or flows < 0:
            raise ValueError("actions and flows must be zero or more.")
        digest = hashlib.sha256(f"genesys-timeouts-sandbox:{seed}".encode()).hexdigest()
        rng = random.Random(digest)
        self._state = OrgState(
            clock=clock or time.monotonic,
            client_id=str(_uuid(rng)),
            client_secret=digest[:43],
            rate_limit_per_minute=rate_limit_per_minute,
            token_lifetime_seconds=token_lifetime_seconds,
        )
        seed_org(self._state, seed, actions, flows)
        self.app = SandboxApp(self._state)
        self.base_url = BASE_URL

    # -- what tests read -------------------------------------------------

    @property
    def client_id(self) -> str:
        """A client id the login service accepts."""
        return self._state.client_id

    @property
    def client_secret(self) -> str:
        """The secret that goes with :attr:`client_id`."""
        return self._state.client_secret

    @property
    def actions(self) -> dict[str, Json]:
        """Published actions by id, raw, with config and contract (live state)."""
        return self._state.actions

    @property
    def drafts(self) -> dict[str, Json]:
        """Drafts by action id, raw (live state)."""
        return self._state.drafts

    @property
    def flows(self) -> dict[str, FlowRecord]:
        """Flows by id; each holds its documents per version (live state)."""
        return self._state.flows

    @property
    def integrations(self) -> dict[str, Json]:
        """Integrations by id (live state)."""
        return self._state.integrations

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served, in order: method, path, query and status."""
        return self._state.requests

    @property
    def dependencies(self) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
        """The dependency index: (objectType, action id) -> (flow id, version, kind)."""
        return self._state.dependencies

    @property
    def org_action_limit(self) -> int:
        """The org's ``dataactions`` limit ``actions.total.max``."""
        return self._state.org_action_limit

    @property
    def exceeds_action_limit(self) -> bool:
        """Whether this org holds more custom actions than a real org may."""
        custom = sum(1 for a in self._state.actions if a.startswith("custom_-_"))
        return custom > self._state.org_action_limit

    # -- switches ----------------------------------------------------------

    @property
    def conflict_style(self) -> str:
        """How a stale version on PATCH is reported: ``"409"`` or ``"400"``."""
        return self._state.conflict_style

    @conflict_style.setter
    def conflict_style(self, value: str) -> None:
        if value not in CONFLICT_STYLES:
            raise ValueError(
                f"conflict_style must be one of {CONFLICT_STYLES}, not {value!r}."
            )
        self._state.conflict_style = value

    @property
    def dependency_build_status(self) -> str:
        """What ``GET .../dependencytracking/build`` reports."""
        return self._state.dependency_build_status

    @dependency_build_status.setter
    def dependency_build_status(self, value: str) -> None:
        if value not in BUILD_STATUSES:
            raise ValueError(
                f"dependency_build_status must be one of {BUILD_STATUSES}, not {value!r}."
            )
        self._state.dependency_build_status = value

    # -- simulating the rest of the world -------------------------------------

    def edit_action(self, action_id: str, mutate: Callable[[Json], None]) -> Json:
        """Another admin edits a published action: mutate a copy, bump its version."""
        with self._state.lock:
            current = self._state.actions[action_id]
            edited = copy.deepcopy(current)
            mutate(edited)
            edited["version"] = current["version"] + 1
            self._state.actions[action_id] = edited
            return copy.deepcopy(edited)

    def edit_draft(self, action_id: str, mutate: Callable[[Json], None]) -> Json:
        """Another admin edits a draft; KeyError when the action has none."""
        with self._state.lock:
            current = self._state.drafts[action_id]
            edited = copy.deepcopy(current)
            mutate(edited)
            edited["version"] = current["version"] + 1
            self._state.drafts[action_id] = edited
            return copy.deepcopy(edited)

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        method: str | None = None,
        path_contains: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``count`` matching requests fail with ``status``."""
        if count < 1:
            raise ValueError("count must be 1 or more.")
        with self._state.lock:
            self._state.faults.append(
                Fault(count, status, method, path_contains, retry_after)
            )

    def expire_tokens(self) -> None:
        """Expire every token issued so far; new ones work as usual."""
        with self._state.lock:
            now = self._state.clock()
            for token in self._state.tokens.values():
                token.expires_at = min(token.expires_at, now)

    # -- connecting ------------------------------------------------------------

    def transport(self) -> Transport:
        """An SDK transport that calls this sandbox in-process."""
        from genesys_timeouts._sdk import Transport, WsgiSender  # slow SDK import

        return Transport(WsgiSender(self.app))

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over loopback HTTP in a background thread; yield the base URL."""
        with serve(self.app, host, port) as base_url:
            yield base_url


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def run_server(sb: Sandbox, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve ``sb`` until interrupted, printing its URL and credentials."""
    banner = (
        "Genesys Cloud sandbox listening on {base_url}\n"
        f"client id:     {sb.client_id}\n"
        f"client secret: {sb.client_secret}\n"
        "Press Ctrl+C to stop."
    )
    serve_forever(sb.app, host, port, banner)
