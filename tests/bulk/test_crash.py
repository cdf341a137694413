"""A real process killed at each boundary of apply and rollback, then resumed: every change lands once.

Most cases fork the test process (the SDK is already imported, so a case
takes a fraction of a second); the child connects on its own socket, runs
until the crash hook ends it with ``os._exit(137)``, and the parent
resumes from the journal file the dead process left. One case runs the
apply as a fresh interpreter instead, through ``crash_apply.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from genesys_timeouts import RetryPolicy, Session, connect
from genesys_timeouts._apply import CRASH_AT_ENV, apply, resume, rollback
from genesys_timeouts._journal import Journal, JournalEntry, Phase, WriteState
from genesys_timeouts._plan import Plan, Selection
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import (
    Json,
    assert_changed_once,
    make_plan,
    patches_of,
    snapshot,
    snapshot_drafts,
    without_timeout,
)

SCRIPT = Path(__file__).with_name("crash_apply.py")

pytestmark = [
    pytest.mark.loopback,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
]


@pytest.fixture
def served(sb: Sandbox) -> Iterator[str]:
    """The base URL of ``sb`` on a loopback socket, for the child processes."""
    with sb.serve() as base_url:
        yield base_url


def _session(sb: Sandbox, base_url: str) -> Session:
    return connect(
        sb.client_id, sb.client_secret, base_url, retry=RetryPolicy.instant()
    )


def _killed_child(
    work: Callable[[Session], object], sb: Sandbox, url: str, crash_at: str
) -> int:
    """Run ``work`` in a forked child that the crash hook kills; return its exit code."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 0
        try:
            os.environ[CRASH_AT_ENV] = crash_at
            work(_session(sb, url))
        except BaseException:  # any escape is reported by the exit code
            status = 70
        os._exit(status)
    _pid, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status)


def _open_rows(journal: Path) -> list[JournalEntry]:
    with Journal.open(journal) as left:
        return [e for e in left.entries() if e.state is WriteState.INTENT]


def _plan(session: Session, strategy: str) -> Plan:
    plan = make_plan(session, to=30, where=Selection(timeout_below=11))
    if strategy == "draft":
        # The draft strategy skips actions with someone's draft; leave them out.
        plan = Plan(to_seconds=30, changes=[c for c in plan.changes if not c.has_draft])
    return plan


def _first_draft_boundary(plan: Plan, boundary: str) -> str:
    # With include_drafts each action's draft row follows the action's row,
    # so the draft of the first action with one is write number index + 2.
    index = next(i for i, c in enumerate(plan.changes) if c.has_draft)
    return f"{boundary}:{index + 2}"


#: (boundary, strategy, include drafts, whether the interrupted write had landed)
APPLY_CASES = [
    pytest.param("after-intent:1", "patch", False, False, id="after-intent-first"),
    pytest.param("after-patch:1", "patch", False, True, id="after-patch-first"),
    pytest.param("after-intent:4", "patch", False, False, id="after-intent-middle"),
    pytest.param("after-patch:4", "patch", False, True, id="after-patch-middle"),
    pytest.param("after-intent", "patch", True, False, id="draft-row-after-intent"),
    pytest.param("after-patch", "patch", True, True, id="draft-row-after-patch"),
    pytest.param("after-intent:2", "draft", False, False, id="draft-after-intent"),
    pytest.param("after-draft-post:2", "draft", False, False, id="draft-after-post"),
    pytest.param(
        "after-draft-create:2", "draft", False, False, id="draft-after-create"
    ),
    pytest.param("after-draft-patch:2", "draft", False, False, id="draft-after-patch"),
    pytest.param("after-publish:2", "draft", False, True, id="draft-after-publish"),
]


def _check_resumed(
    sb: Sandbox,
    session: Session,
    journal: Path,
    plan: Plan,
    before: dict[str, Json],
    drafts_before: dict[str, Json],
    strategy: str,
    drafts: bool,
) -> None:
    report = resume(session, journal)

    assert report.exit_code == 0, report.describe()
    assert_changed_once(before, sb, plan)
    with Journal.open(journal) as done:
        assert all(e.state is WriteState.DONE for e in done.entries())
        for change in plan.changes:
            first_image = done.before_images(change.action_id)[0]
            assert first_image["version"] == before[change.action_id]["version"]
            assert first_image["config"] == before[change.action_id]["config"]
    if strategy == "patch":
        assert all(patches_of(sb, c.action_id) == 1 for c in plan.changes)
    if drafts:
        for change in plan.drafts:
            draft, old = sb.drafts[change.action_id], drafts_before[change.action_id]
            assert (draft["config"]["timeoutSeconds"], draft["version"]) == (
                30,
                old["version"] + 1,
            )
            assert without_timeout(draft) == without_timeout(old)
    else:
        assert sb.drafts == drafts_before


@pytest.mark.parametrize(("crash_at", "strategy", "drafts", "landed"), APPLY_CASES)
def test_apply_killed_then_resumed_changes_each_action_once(
    sb: Sandbox,
    served: str,
    tmp_path: Path,
    crash_at: str,
    strategy: str,
    drafts: bool,
    landed: bool,
) -> None:
    """Killed at a boundary and resumed, each planned action changes exactly once, before-images kept."""
    session = _session(sb, served)
    plan = _plan(session, strategy)
    if ":" not in crash_at:
        crash_at = _first_draft_boundary(plan, crash_at)
    before, drafts_before = snapshot(sb), snapshot_drafts(sb)
    journal = tmp_path / "j.sqlite"

    code = _killed_child(
        lambda s: apply(
            s, plan, journal=journal, strategy=strategy, include_drafts=drafts
        ),
        sb,
        served,
        crash_at,
    )

    assert code == 137
    (interrupted,) = _open_rows(journal)
    assert interrupted.target.value == ("draft" if drafts else "action")
    platform = sb.drafts if drafts else sb.actions
    old = (drafts_before if drafts else before)[interrupted.action_id]
    assert (platform[interrupted.action_id] != old) is landed
    _check_resumed(sb, session, journal, plan, before, drafts_before, strategy, drafts)


def test_a_colleagues_new_draft_is_not_claimed_on_resume(
    sb: Sandbox, served: str, tmp_path: Path
) -> None:
    """Killed before asking for its draft, a resumed draft-strategy run leaves a colleague's fresh draft alone."""
    session = _session(sb, served)
    plan = _plan(session, "draft")
    journal = tmp_path / "j.sqlite"
    code = _killed_child(
        lambda s: apply(s, plan, journal=journal, strategy="draft"),
        sb,
        served,
        "after-intent:2",
    )
    (interrupted,) = _open_rows(journal)
    colleague = connect(sb.client_id, sb.client_secret, served)
    colleague.integrations_api.post_integrations_action_draft(interrupted.action_id)
    theirs = sb.drafts[interrupted.action_id]

    resume(session, journal)

    assert 137 == code
    assert not interrupted.draft_asked
    assert theirs == sb.drafts[interrupted.action_id]
    with Journal.open(journal) as done:
        row = done.entry(Phase.APPLY, interrupted.action_id, interrupted.target)
    assert row is not None
    assert "pending draft" in row.detail


def test_a_fresh_interpreter_killed_after_the_patch_then_resumed(
    sb: Sandbox, served: str, tmp_path: Path
) -> None:
    """The same through a new Python process that reads the plan file and the credentials from the environment."""
    session = _session(sb, served)
    plan = _plan(session, "patch")
    (tmp_path / "plan.json").write_text(plan.to_json(), encoding="utf-8")
    before, drafts_before = snapshot(sb), snapshot_drafts(sb)
    journal = tmp_path / "j.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS")}
    env.update(
        GENESYSCLOUD_OAUTHCLIENT_ID=sb.client_id,
        GENESYSCLOUD_OAUTHCLIENT_SECRET=sb.client_secret,
        GENESYSCLOUD_REGION=served,
        **{CRASH_AT_ENV: "after-patch:3"},
    )

    child = subprocess.run(  # our own script, fixed arguments
        [
            sys.executable,
            str(SCRIPT),
            str(tmp_path / "plan.json"),
            str(journal),
            "patch",
            "no",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert child.returncode == 137, child.stderr
    (interrupted,) = _open_rows(journal)
    assert sb.actions[interrupted.action_id]["config"]["timeoutSeconds"] == 30
    _check_resumed(sb, session, journal, plan, before, drafts_before, "patch", False)


@pytest.mark.parametrize(
    ("crash_at", "landed"),
    [
        pytest.param("after-intent:2", False, id="after-intent"),
        pytest.param("after-patch:2", True, id="after-patch"),
    ],
)
def test_rollback_killed_then_run_again_restores_each_action_once(
    sb: Sandbox, served: str, tmp_path: Path, crash_at: str, landed: bool
) -> None:
    """A rollback killed at a boundary and run again puts every timeout back with one write each."""
    session = _session(sb, served)
    plan = _plan(session, "patch")
    before = snapshot(sb)
    journal = tmp_path / "j.sqlite"
    apply(session, plan, journal=journal)
    applied = snapshot(sb)

    code = _killed_child(lambda s: rollback(s, journal), sb, served, crash_at)

    assert code == 137
    (interrupted,) = _open_rows(journal)
    assert interrupted.phase is Phase.ROLLBACK
    changed = sb.actions[interrupted.action_id] != applied[interrupted.action_id]
    assert changed is landed

    report = rollback(session, journal)

    assert report.exit_code == 0, report.describe()
    assert report.summary()["applied"] == len(plan.changes)
    for change in plan.changes:
        now, old = sb.actions[change.action_id], before[change.action_id]
        assert (now["config"], now["version"]) == (old["config"], old["version"] + 2)
        assert patches_of(sb, change.action_id) == 2  # one apply, one rollback
    with Journal.open(journal) as done:
        assert done.status == "rolled-back"
