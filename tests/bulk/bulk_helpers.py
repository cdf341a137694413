"""Helpers shared by the bulk-change tests."""

from __future__ import annotations

import copy
from typing import Any

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
