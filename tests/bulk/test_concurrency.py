"""Other people's edits landing in the middle of an apply, and what each write carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genesys_timeouts import Session
from genesys_timeouts._apply import apply, resume
from genesys_timeouts._journal import Journal, WriteState
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import (
    Crash,
    Interceptor,
    Json,
    crash_at,
    make_plan,
    patches_of,
    snapshot,
    snapshot_drafts,
    without_timeout,
)

EDITED_TEMPLATE = "${input.rawRequest} edited by a colleague"


def _edit_template(raw: Json) -> None:
    raw["config"]["request"]["requestTemplate"] = EDITED_TEMPLATE


def test_every_write_carries_the_whole_object_read_with_only_the_timeout_changed(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """Each PATCH body, of an action or a draft, is the platform's copy with only timeoutSeconds changed."""
    plan = make_plan(spied, to=30)
    before, drafts_before = snapshot(sb), snapshot_drafts(sb)

    apply(spied, plan, journal=tmp_path / "j.sqlite", include_drafts=True)

    for change in plan.changes:
        old = before[change.action_id]
        (body,) = spy.bodies_for("PATCH", f"/actions/{change.action_id}")
        assert set(body) == {"name", "category", "config", "version"}
        assert (body["name"], body["category"], body["version"]) == (
            old["name"],
            old["category"],
            old["version"],
        )
        assert body["config"]["timeoutSeconds"] == 30
        assert without_timeout(body) == without_timeout(old)
    assert plan.drafts
    for change in plan.drafts:
        old = drafts_before[change.action_id]
        (body,) = spy.bodies_for("PATCH", f"/actions/{change.action_id}/draft")
        assert (body["contract"], body["secure"], body["version"]) == (
            old["contract"],
            old["secure"],
            old["version"],
        )
        assert body["config"]["timeoutSeconds"] == 30
        assert without_timeout(body) == without_timeout(old)


@pytest.mark.parametrize("style", ["409", "400"])
def test_an_edit_landing_between_our_read_and_our_write_is_kept(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path, style: str
) -> None:
    """A colleague's template edit that lands just before our PATCH survives, and the timeout is set on top."""
    sb.conflict_style = style
    plan = make_plan(spied, to=30)
    action_id = plan.changes[1].action_id
    edited: list[Json] = []
    spy.on(
        "PATCH",
        f"/actions/{action_id}",
        lambda: edited.append(sb.edit_action(action_id, _edit_template)),
    )

    report = apply(spied, plan, journal=tmp_path / "j.sqlite")

    now = sb.actions[action_id]
    assert (now["config"]["timeoutSeconds"], now["version"]) == (
        30,
        edited[0]["version"] + 1,
    )
    assert now["config"]["request"]["requestTemplate"] == EDITED_TEMPLATE
    assert without_timeout(now) == without_timeout(edited[0])
    assert patches_of(sb, action_id) == 2  # refused for the stale version, then landed
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert (outcome.outcome, report.exit_code) == ("applied", 0)


def test_a_timeout_edit_landing_between_our_read_and_our_write_is_a_conflict(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """A colleague's timeout change that lands just before our PATCH is reported and kept."""
    plan = make_plan(spied, to=30)
    action_id = plan.changes[1].action_id
    edited: list[Json] = []
    spy.on(
        "PATCH",
        f"/actions/{action_id}",
        lambda: edited.append(
            sb.edit_action(
                action_id, lambda raw: raw["config"].update(timeoutSeconds=44)
            )
        ),
    )

    report = apply(spied, plan, journal=tmp_path / "j.sqlite")

    assert sb.actions[action_id] == edited[0]
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert outcome.outcome == "conflict"
    assert "44 s" in outcome.detail
    assert report.exit_code == 3


def test_a_lost_answer_to_a_write_that_landed_is_not_written_again(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """When a PATCH lands but its answer is lost, reading back settles it: one PATCH, applied."""
    plan = make_plan(spied, to=30)
    action_id = plan.changes[0].action_id
    before = snapshot(sb)
    spy.on(
        "PATCH",
        f"/actions/{action_id}",
        lambda: (
            503,
            {"message": "lost", "code": "service.unavailable", "status": 503},
        ),
        after=True,
    )

    report = apply(spied, plan, journal=tmp_path / "j.sqlite")

    assert patches_of(sb, action_id) == 1
    assert sb.actions[action_id]["version"] == before[action_id]["version"] + 1
    assert sb.actions[action_id]["config"]["timeoutSeconds"] == 30
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert (outcome.outcome, outcome.detail) == ("applied", "settled by re-reading")


def test_an_edit_between_a_crash_and_the_resume_is_kept(
    sb: Sandbox, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stopped after recording its intent, then a colleague's edit: resume writes on top of it."""
    plan = make_plan(session, to=30)
    journal = tmp_path / "j.sqlite"
    crash_at(monkeypatch, "after-intent:2")
    with pytest.raises(Crash):
        apply(session, plan, journal=journal)
    with Journal.open(journal) as left:
        (open_row,) = [e for e in left.entries() if e.state is WriteState.INTENT]
    edited = sb.edit_action(open_row.action_id, _edit_template)
    monkeypatch.undo()

    report = resume(session, journal)

    now = sb.actions[open_row.action_id]
    assert (now["config"]["timeoutSeconds"], now["version"]) == (
        30,
        edited["version"] + 1,
    )
    assert without_timeout(now) == without_timeout(edited)
    assert report.exit_code == 0
    with Journal.open(journal) as done:
        images = done.before_images(open_row.action_id)
    assert [i["version"] for i in images] == [
        edited["version"] - 1,
        edited["version"],
    ]


def test_a_draft_edit_between_our_read_and_our_write_is_a_conflict(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """With include_drafts, a colleague's timeout edit of a draft just before our PATCH is left as they made it."""
    plan = make_plan(spied, to=30)
    action_id = plan.drafts[0].action_id
    edited: list[Json] = []

    def edit(raw: dict[str, Any]) -> None:
        raw["config"]["timeoutSeconds"] = 41

    spy.on(
        "PATCH",
        f"/actions/{action_id}/draft",
        lambda: edited.append(sb.edit_draft(action_id, edit)),
    )

    report = apply(spied, plan, journal=tmp_path / "j.sqlite", include_drafts=True)

    assert sb.drafts[action_id] == edited[0]
    outcome = next(
        o for o in report.outcomes if o.action_id == action_id and o.target == "draft"
    )
    assert outcome.outcome == "conflict"
    assert "41 s" in outcome.detail
    assert sb.actions[action_id]["config"]["timeoutSeconds"] == 30
