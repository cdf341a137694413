"""Helpers shared by the bulk-change tests."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from typing import Any

import attrs

from genesys_timeouts import Session, list_actions
from genesys_timeouts._plan import Plan, Selection, plan_timeouts
from genesys_timeouts.sandbox import Sandbox

Json = dict[str, Any]


def make_plan(
    session: Session, *, to: int = 30, where: Selection | None = None
) -> Plan:
    """Plan against what the org holds now."""
    return plan_timeouts(list_actions(session), to=to, where=where)


def snapshot(sb: Sandbox) -> dict[str, Json]:
    """A deep copy of every published action, platform side."""
    return copy.deepcopy(sb.actions)


def snapshot_drafts(sb: Sandbox) -> dict[str, Json]:
    """A deep copy of every draft, platform side."""
    return copy.deepcopy(sb.drafts)


def without_timeout(raw: Json) -> Json:
    """The config of ``raw`` minus its timeout, to compare everything else."""
    config = copy.deepcopy(raw.get("config") or {})
    config.pop("timeoutSeconds", None)
    return config


def patches_of(sb: Sandbox, action_id: str) -> int:
    """How many PATCH requests the sandbox served for ``action_id``'s published copy."""
    path = f"/api/v2/integrations/actions/{action_id}"
    return sum(1 for r in sb.requests if r.method == "PATCH" and r.path == path)


def assert_changed_once(before: dict[str, Json], sb: Sandbox, plan: Plan) -> None:
    """Every planned action changed exactly once: one version up, target timeout, all else kept."""
    for change in plan.changes:
        old, new = before[change.action_id], sb.actions[change.action_id]
        assert (change.action_id, new["version"]) == (
            change.action_id,
            old["version"] + 1,
        )
        assert new["config"]["timeoutSeconds"] == plan.to_seconds
        assert without_timeout(new) == without_timeout(old)
        assert (new["name"], new.get("category")) == (old["name"], old.get("category"))
    unplanned = set(before) - {c.action_id for c in plan.changes}
    for action_id in unplanned:
        assert sb.actions[action_id] == before[action_id]


Hook = Callable[[], "tuple[int, Json] | None"]


@attrs.define
class _Rule:
    method: str
    path_suffix: str
    hook: Hook
    after: bool
    times: int


class Interceptor:
    """A WSGI wrapper around the sandbox app, standing in for the rest of the world.

    It records the JSON body of every API request (never the token request,
    which carries the secret), and runs a hook at an exact request: before
    it is served (another admin's edit landing just then), or after it is
    served with the answer replaced (a lost answer to a write that landed).
    A hook that returns ``(status, body)`` answers instead of the sandbox.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bodies: list[tuple[str, str, Json]] = []
        self._rules: list[_Rule] = []

    def on(
        self,
        method: str,
        path_suffix: str,
        hook: Hook,
        *,
        after: bool = False,
        times: int = 1,
    ) -> None:
        """Run ``hook`` at the next ``times`` requests whose path ends with ``path_suffix``."""
        self._rules.append(_Rule(method, path_suffix, hook, after, times))

    def _rule(self, method: str, path: str) -> _Rule | None:
        for rule in self._rules:
            if rule.method == method and path.endswith(rule.path_suffix):
                rule.times -= 1
                if not rule.times:
                    self._rules.remove(rule)
                return rule
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        if raw and path.startswith("/api/v2/"):
            self.bodies.append((method, path, json.loads(raw)))
        rule = self._rule(method, path)
        if rule is None:
            return self.app(environ, start_response)
        if rule.after:
            b"".join(self.app(environ, _discard))
            answer = rule.hook()
            assert answer is not None, "an after-hook must give the answer to send"
        else:
            answer = rule.hook()
            if answer is None:
                return self.app(environ, start_response)
        status, body = answer
        data = json.dumps(body).encode()
        start_response(
            f"{status} {'OK' if status < 400 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def bodies_for(self, method: str, path_suffix: str) -> list[Json]:
        """The JSON bodies sent with ``method`` to paths ending in ``path_suffix``."""
        return [b for m, p, b in self.bodies if m == method and p.endswith(path_suffix)]


def _discard(
    _status: str, _headers: Any, _exc_info: Any = None
) -> Callable[[bytes], None]:
    return lambda _data: None


class Crash(BaseException):
    """Stands in for the process dying at a boundary, in-process."""


def crash_at(monkeypatch: Any, boundary: str) -> None:
    """Make this process's run stop dead at ``boundary`` (``name:n``), as a kill would.

    Each journal record is committed before the boundary it precedes, so
    what the file holds is the same as after a real kill; the real kills
    are in test_crash.py.
    """

    def crash_point(name: str, count: int) -> None:
        if f"{name}:{count}" == boundary:
            raise Crash(boundary)

    monkeypatch.setattr("genesys_timeouts._apply._crash_point", crash_point)
