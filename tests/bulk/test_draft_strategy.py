"""The draft strategy: only the draft it created is ever deleted, and nobody's edit is published over."""

from __future__ import annotations

import copy
from pathlib import Path

from genesys_timeouts import Session
from genesys_timeouts._apply import apply, resume
from genesys_timeouts._plan import Plan, PlannedChange, Selection
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import (
    Interceptor,
    Json,
    make_plan,
    snapshot,
    snapshot_drafts,
    without_timeout,
)

LOST = (503, {"message": "lost", "code": "service.unavailable", "status": 503})


def _one(session: Session) -> tuple[Plan, PlannedChange]:
    """A plan of one change to an action that has no draft."""
    plan = make_plan(session, to=30, where=Selection(timeout_equals=10))
    change = next(c for c in plan.changes if not c.has_draft)
    return Plan(to_seconds=30, changes=[change]), change


def test_a_refused_validation_deletes_our_draft_and_changes_nothing(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """When validation says the draft is invalid, our draft is deleted and the action is left as it was."""
    plan, change = _one(spied)
    before, drafts_before = snapshot(sb), snapshot_drafts(sb)
    spy.on(
        "GET",
        f"/actions/{change.action_id}/draft/validation",
        lambda: (200, {"valid": False, "errors": [{"message": "the URL is wrong"}]}),
    )

    report = apply(spied, plan, journal=tmp_path / "j.sqlite", strategy="draft")

    assert sb.actions == before
    assert sb.drafts == drafts_before
    (outcome,) = report.outcomes
    assert outcome.outcome == "failed"
    assert "the URL is wrong" in outcome.detail
    assert "draft we created was deleted" in outcome.detail
    assert not spy.bodies_for("POST", f"/actions/{change.action_id}/draft/publish")


def test_an_edit_of_the_action_before_publishing_is_not_published_over(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """A colleague's edit of the published action while our draft is prepared survives, and the timeout lands on top."""
    plan, change = _one(spied)
    edited: list[Json] = []

    def edit(raw: Json) -> None:
        raw["config"]["request"]["requestTemplate"] = "edited while we drafted"

    spy.on(
        "GET",
        f"/actions/{change.action_id}/draft/validation",
        lambda: edited.append(sb.edit_action(change.action_id, edit)),
    )

    report = apply(spied, plan, journal=tmp_path / "j.sqlite", strategy="draft")

    now = sb.actions[change.action_id]
    assert now["config"]["timeoutSeconds"] == 30
    assert without_timeout(now) == without_timeout(edited[0])
    assert now["version"] == edited[0]["version"] + 1
    assert change.action_id not in sb.drafts
    assert (
        len(spy.bodies_for("POST", f"/actions/{change.action_id}/draft/publish")) == 1
    )
    assert [o.outcome for o in report.outcomes] == ["applied"]


def test_a_colleagues_draft_made_just_before_ours_is_left_alone(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """When a colleague creates a draft between our check and our create, their draft is neither deleted nor published."""
    plan, change = _one(spied)
    before = snapshot(sb)
    theirs: list[Json] = []

    def colleague_creates_a_draft() -> None:
        draft = copy.deepcopy(sb.actions[change.action_id])
        draft["version"] = 1
        sb.drafts[change.action_id] = draft
        theirs.append(copy.deepcopy(draft))

    spy.on("POST", f"/actions/{change.action_id}/draft", colleague_creates_a_draft)

    report = apply(spied, plan, journal=tmp_path / "j.sqlite", strategy="draft")

    assert sb.drafts[change.action_id] == theirs[0]
    assert sb.actions == before
    assert [o.outcome for o in report.outcomes] == ["failed"]
    assert not [
        r for r in sb.requests if r.method == "DELETE" or r.path.endswith("/publish")
    ]


def test_a_lost_answer_to_creating_our_draft_is_cleaned_up_and_resumed(
    sb: Sandbox, spy: Interceptor, spied: Session, tmp_path: Path
) -> None:
    """A draft created but whose answer was lost is recognised as ours and deleted; a resume then applies once."""
    plan, change = _one(spied)
    before = snapshot(sb)
    spy.on("POST", f"/actions/{change.action_id}/draft", lambda: LOST, after=True)

    first = apply(spied, plan, journal=tmp_path / "j.sqlite", strategy="draft")

    assert sb.actions == before
    assert change.action_id not in sb.drafts
    assert "draft we created was deleted" in first.outcomes[0].detail

    second = resume(spied, tmp_path / "j.sqlite")

    now = sb.actions[change.action_id]
    assert (now["version"], now["config"]["timeoutSeconds"]) == (
        before[change.action_id]["version"] + 1,
        30,
    )
    assert without_timeout(now) == without_timeout(before[change.action_id])
    assert change.action_id not in sb.drafts
    assert (second.exit_code, [o.outcome for o in second.outcomes]) == (0, ["applied"])
