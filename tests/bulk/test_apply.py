"""Applying a plan: each write once, other people's edits and drafts respected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from genesys_timeouts import InvalidInputError, Session
from genesys_timeouts._apply import apply, resume, rollback
from genesys_timeouts._journal import Journal
from genesys_timeouts._plan import Plan, Selection
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import (
    assert_changed_once,
    make_plan,
    patches_of,
    snapshot,
    without_timeout,
)
from tests.in_process import in_process_session


def _first(plan: Plan, **where: Any) -> str:
    """The id of the first planned change whose attributes match ``where``."""
    for change in plan.changes:
        if all(getattr(change, k) == v for k, v in where.items()):
            return change.action_id
    raise AssertionError(f"no planned change with {where}")


def test_applies_each_planned_change_exactly_once(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Every planned action goes up one version to the target, with all else kept."""
    plan = make_plan(session, to=30)
    before = snapshot(sb)
    seen: list[tuple[int, int]] = []

    report = apply(
        session, plan, journal=tmp_path / "j.sqlite", progress=lambda *a: seen.append(a)
    )

    assert_changed_once(before, sb, plan)
    assert report.exit_code == 0
    assert report.summary()["applied"] == len(plan.changes) == report.writes
    assert seen[-1] == (len(plan.changes), len(plan.changes))


def test_resuming_a_finished_journal_changes_nothing(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Resuming after a complete apply sends no write at all."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "j.sqlite")
    after = snapshot(sb)
    served = len(sb.requests)

    report = resume(session, tmp_path / "j.sqlite")

    assert (report.writes, report.exit_code) == (0, 0)
    assert sb.actions == after
    assert not [r for r in sb.requests[served:] if r.method != "GET"]


def test_an_existing_journal_is_not_reused(session: Session, tmp_path: Path) -> None:
    """Applying onto an existing journal is refused: that is what resume is for."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "j.sqlite")

    with pytest.raises(InvalidInputError, match="already exists"):
        apply(session, plan, journal=tmp_path / "j.sqlite")


def test_keeps_another_admins_edit_made_after_the_plan(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """An edit of the request template between plan and apply survives, and the timeout is set."""
    plan = make_plan(session, to=30)
    action_id = plan.changes[0].action_id

    def edit(raw: dict[str, Any]) -> None:
        raw["config"]["request"]["requestTemplate"] = "${input.rawRequest} edited"

    edited = sb.edit_action(action_id, edit)

    report = apply(session, plan, journal=tmp_path / "j.sqlite")

    now = sb.actions[action_id]
    assert now["config"]["request"]["requestTemplate"] == "${input.rawRequest} edited"
    assert (now["config"]["timeoutSeconds"], now["version"]) == (
        30,
        edited["version"] + 1,
    )
    assert without_timeout(now) == without_timeout(edited)
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert outcome.outcome == "applied"
    assert "keeping that edit" in outcome.detail


def test_a_concurrent_timeout_change_is_a_conflict(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Someone else's timeout change since the plan is reported and left as they set it."""
    plan = make_plan(session, to=30)
    action_id = plan.changes[0].action_id
    edited = sb.edit_action(
        action_id, lambda raw: raw["config"].update(timeoutSeconds=45)
    )

    report = apply(session, plan, journal=tmp_path / "j.sqlite")

    assert sb.actions[action_id] == edited
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert outcome.outcome == "conflict"
    assert "45 s" in outcome.detail
    assert report.exit_code == 3


def test_nothing_done_because_of_conflicts_exits_1(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """When every planned write conflicts, the exit code says nothing was done."""
    plan = make_plan(session, to=30, where=Selection(timeout_equals=10))
    for change in plan.changes:
        sb.edit_action(
            change.action_id, lambda raw: raw["config"].update(timeoutSeconds=44)
        )

    report = apply(session, plan, journal=tmp_path / "j.sqlite")

    assert report.exit_code == 1
    assert report.summary()["conflict"] == len(plan.changes)


def test_a_lost_write_answer_is_settled_by_reading(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """After a 503 on a PATCH the action is read back and written once, never twice blindly."""
    plan = make_plan(session, to=30)
    before = snapshot(sb)
    first = plan.changes[0].action_id
    sb.fail_next(status=503, method="PATCH", path_contains=first)

    report = apply(session, plan, journal=tmp_path / "j.sqlite")

    assert_changed_once(before, sb, plan)
    assert report.exit_code == 0
    assert patches_of(sb, first) == 2  # the refused one, then one that landed


def test_pending_drafts_are_left_alone_by_default(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Without include_drafts, drafts are untouched and the report says they still hold the old timeout."""
    plan = make_plan(session, to=30)
    drafts_before = {k: dict(v) for k, v in sb.drafts.items()}
    action_id = _first(plan, has_draft=True)

    report = apply(session, plan, journal=tmp_path / "j.sqlite")

    assert sb.drafts == drafts_before
    outcome = next(o for o in report.outcomes if o.action_id == action_id)
    assert "pending draft still holds the old timeout" in outcome.detail


def test_include_drafts_patches_but_never_publishes(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """With include_drafts each pending draft gets the timeout too, stays a draft, and keeps the rest."""
    plan = make_plan(session, to=30)
    before = snapshot(sb)
    drafts_before = {k: dict(v) for k, v in sb.drafts.items()}
    with_drafts = [c.action_id for c in plan.drafts]

    report = apply(session, plan, journal=tmp_path / "j.sqlite", include_drafts=True)

    assert_changed_once(before, sb, plan)
    assert set(sb.drafts) == set(drafts_before)
    for action_id in with_drafts:
        draft, old = sb.drafts[action_id], drafts_before[action_id]
        assert (draft["config"]["timeoutSeconds"], draft["version"]) == (
            30,
            old["version"] + 1,
        )
        assert without_timeout(draft) == without_timeout(old)
    assert not [
        r for r in sb.requests if r.path.endswith("/publish") or r.method == "DELETE"
    ]
    drafts = [o for o in report.outcomes if o.target == "draft"]
    assert sorted(o.action_id for o in drafts) == sorted(with_drafts)
    assert report.exit_code == 0


def test_draft_strategy_publishes_through_a_draft_of_its_own(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """The draft strategy creates, patches, validates and publishes a draft, leaving none behind."""
    plan = make_plan(session, to=30, where=Selection(timeout_equals=10))
    before = snapshot(sb)
    drafts_before = {k: dict(v) for k, v in sb.drafts.items()}
    mine = [c for c in plan.changes if not c.has_draft]
    theirs = [c for c in plan.changes if c.has_draft]
    assert mine
    assert theirs

    report = apply(session, plan, journal=tmp_path / "j.sqlite", strategy="draft")

    for change in mine:
        assert sb.actions[change.action_id]["config"]["timeoutSeconds"] == 30
        assert (
            sb.actions[change.action_id]["version"]
            == before[change.action_id]["version"] + 1
        )
        assert without_timeout(sb.actions[change.action_id]) == without_timeout(
            before[change.action_id]
        )
    assert sb.drafts == drafts_before
    for change in theirs:
        assert sb.actions[change.action_id] == before[change.action_id]
        outcome = next(o for o in report.outcomes if o.action_id == change.action_id)
        assert outcome.outcome == "skipped"
        assert "someone's pending draft" in outcome.detail


def test_draft_strategy_deletes_only_its_own_draft_on_failure(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """A failed publish removes the draft we made, keeps other drafts, and leaves the action as it was."""
    plan = make_plan(session, to=30, where=Selection(timeout_equals=10))
    target = next(c for c in plan.changes if not c.has_draft)
    plan = Plan(to_seconds=30, changes=[target, *plan.drafts])
    before = snapshot(sb)
    drafts_before = {k: dict(v) for k, v in sb.drafts.items()}
    sb.fail_next(
        status=500, method="POST", path_contains=f"{target.action_id}/draft/publish"
    )

    report = apply(session, plan, journal=tmp_path / "j.sqlite", strategy="draft")

    assert sb.actions[target.action_id] == before[target.action_id]
    assert sb.drafts == drafts_before
    outcome = next(o for o in report.outcomes if o.action_id == target.action_id)
    assert outcome.outcome == "failed"
    assert "draft we created was deleted" in outcome.detail
    assert report.exit_code == 1


def test_unknown_strategy_is_refused(session: Session, tmp_path: Path) -> None:
    """Only the patch and draft strategies exist."""
    with pytest.raises(InvalidInputError, match="strategy"):
        apply(
            session, make_plan(session), journal=tmp_path / "j.sqlite", strategy="yolo"
        )


def test_journal_holds_no_secret_or_token(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """The journal file never contains the client secret or the access token."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "j.sqlite", include_drafts=True)
    token = session._client.access_token

    data = (tmp_path / "j.sqlite").read_bytes()

    assert token
    assert sb.client_secret.encode() not in data
    assert token.encode() not in data
    assert sb.client_id.encode() in data


def test_report_to_dict(session: Session, tmp_path: Path) -> None:
    """The report converts to plain data for the CLI's JSON output."""
    plan = make_plan(session, to=30)

    report = apply(session, plan, journal=tmp_path / "j.sqlite").to_dict()

    assert report["exit_code"] == 0
    assert report["summary"]["applied"] == len(plan.changes)
    assert {"action_id", "outcome", "version_before", "version_after"} <= set(
        report["outcomes"][0]
    )


def test_applying_a_finished_plan_again_changes_nothing(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """The same plan applied again, with a new journal, finds everything at the target and writes nothing."""
    plan = make_plan(session, to=30)
    apply(session, plan, journal=tmp_path / "first.sqlite", include_drafts=True)
    after = snapshot(sb)
    served = len(sb.requests)

    report = apply(
        session, plan, journal=tmp_path / "second.sqlite", include_drafts=True
    )

    assert (report.writes, report.exit_code) == (0, 0)
    assert report.summary()["already-at-target"] == len(plan.changes) + len(plan.drafts)
    assert sb.actions == after
    assert not [r for r in sb.requests[served:] if r.method != "GET"]


def test_an_action_deleted_since_the_plan_makes_the_run_partial(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """A planned action that no longer exists is skipped, and the exit code says only part was done."""
    plan = make_plan(session, to=30)
    gone = plan.changes[0].action_id
    del sb.actions[gone]

    report = apply(session, plan, journal=tmp_path / "j.sqlite")

    outcome = next(o for o in report.outcomes if o.action_id == gone)
    assert (outcome.outcome, outcome.detail) == ("skipped", "it no longer exists")
    assert report.summary()["applied"] == len(plan.changes) - 1
    assert report.exit_code == 3


def _other_org_journal(tmp_path: Path) -> Path:
    """A finished journal of another org in the same region (same base URL)."""
    other = Sandbox(seed=8, actions=20, flows=0, rate_limit_per_minute=None)
    theirs = in_process_session(other)
    plan = make_plan(theirs, to=30)
    path = tmp_path / "theirs.sqlite"
    apply(theirs, plan, journal=path)
    return path


@pytest.mark.parametrize("run", [resume, rollback], ids=["resume", "rollback"])
def test_a_journal_of_another_org_is_refused(
    sb: Sandbox, session: Session, tmp_path: Path, run: Any
) -> None:
    """Resuming or rolling back another org's journal is refused before any write, even in the same region."""
    path = _other_org_journal(tmp_path)
    before = snapshot(sb)
    served = len(sb.requests)

    with pytest.raises(InvalidInputError, match="another org") as info:
        run(session, path)

    assert "\n" not in str(info.value)
    assert sb.actions == before
    assert not [r for r in sb.requests[served:] if r.method != "GET"]


def test_a_journal_for_another_region_is_refused(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """A journal recorded against another base URL is refused before anything is read or written."""
    plan = make_plan(session, to=30)
    path = tmp_path / "j.sqlite"
    Journal.create(path, plan, base_url="https://api.mypurecloud.ie").close()
    served = len(sb.requests)

    with pytest.raises(InvalidInputError, match=r"mypurecloud\.ie"):
        resume(session, path)

    assert len(sb.requests) == served


def test_a_truncated_journal_changes_nothing(
    sb: Sandbox, session: Session, tmp_path: Path
) -> None:
    """Resuming a journal cut short raises InvalidInputError and sends nothing."""
    plan = make_plan(session, to=30)
    path = tmp_path / "j.sqlite"
    apply(session, plan, journal=path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    before = snapshot(sb)
    served = len(sb.requests)

    with pytest.raises(
        InvalidInputError, match="not a usable genesys-timeouts journal"
    ):
        resume(session, path)

    assert sb.actions == before
    assert len(sb.requests) == served
