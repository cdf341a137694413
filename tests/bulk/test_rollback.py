"""Rolling back: previous timeouts restored where ours is still in place, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from genesys_timeouts import InvalidInputError, Session
from genesys_timeouts._apply import apply, resume, rollback
from genesys_timeouts._journal import Journal
from genesys_timeouts._plan import Selection
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import (
    make_plan,
    snapshot,
    snapshot_drafts,
    without_timeout,
)


def test_rollback_after_a_partial_run(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """After a run stopped part-way, rollback restores what landed and cancels the rest."""
    plan = make_plan(session, to=30)
    before = snapshot(sb)
    third = plan.changes[2].action_id
    sb.fail_next(status=403, method="PATCH", path_contains=third)
    partial = apply(session, plan, journal=tmp_path / "j.sqlite")
    assert partial.summary()["applied"] == 2
    assert partial.exit_code == 3

    report = rollback(session, tmp_path / "j.sqlite")

    assert report.summary()["applied"] == 2
    for change in plan.changes:
        now, old = sb.actions[change.action_id], before[change.action_id]
        assert now["config"] == old["config"]
        bumps = 2 if change in plan.changes[:2] else 0
        assert now["version"] == old["version"] + bumps
    with pytest.raises(InvalidInputError, match="rolled back"):
        resume(session, tmp_path / "j.sqlite")


def test_rollback_restores_an_unset_timeout(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """A timeout that was unset before is unset again, with the rest of the config intact."""
    plan = make_plan(session, to=30, where=Selection(timeout_unset=True))
    before = snapshot(sb)
    assert plan.changes
    apply(session, plan, journal=tmp_path / "j.sqlite")

    rollback(session, tmp_path / "j.sqlite")

    for change in plan.changes:
        assert "timeoutSeconds" not in sb.actions[change.action_id]["config"]
        assert (
            sb.actions[change.action_id]["config"] == before[change.action_id]["config"]
        )


def test_rollback_leaves_a_newer_value_alone(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Where someone changed the timeout after our apply, rollback reports it and writes nothing."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "j.sqlite")
    action_id = plan.changes[0].action_id
    edited = sb.edit_action(
        action_id, lambda raw: raw["config"].update(timeoutSeconds=50)
    )

    report = rollback(session, tmp_path / "j.sqlite")

    assert sb.actions[action_id] == edited
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert outcome.outcome == "conflict"
    assert report.exit_code == 3


def test_rollback_keeps_another_admins_other_edit(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """An edit of another field after our apply survives the rollback of the timeout."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "j.sqlite")
    change = plan.changes[0]
    edited = sb.edit_action(change.action_id, lambda raw: raw.update(category="Moved"))

    rollback(session, tmp_path / "j.sqlite")

    now = sb.actions[change.action_id]
    assert now["category"] == "Moved"
    assert now.get("config", {}).get("timeoutSeconds") == change.from_seconds
    assert without_timeout(now) == without_timeout(edited)


def test_second_rollback_changes_nothing(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Rolling back twice writes nothing the second time."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "j.sqlite", include_drafts=True)
    rollback(session, tmp_path / "j.sqlite")
    after = snapshot(sb)
    served = len(sb.requests)

    report = rollback(session, tmp_path / "j.sqlite")

    assert (report.writes, report.exit_code) == (0, 0)
    assert sb.actions == after
    assert not [r for r in sb.requests[served:] if r.method != "GET"]
    with Journal.open(tmp_path / "j.sqlite") as journal:
        assert journal.status == "rolled-back"


def test_rollback_restores_patched_drafts(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Drafts patched with include_drafts get their old timeout back, and stay drafts."""
    plan = make_plan(session, to=30)
    drafts_before = snapshot_drafts(sb)
    apply(session, plan, journal=tmp_path / "j.sqlite", include_drafts=True)

    rollback(session, tmp_path / "j.sqlite")

    assert set(sb.drafts) == set(drafts_before)
    for action_id, old in drafts_before.items():
        assert sb.drafts[action_id]["config"] == old["config"]
