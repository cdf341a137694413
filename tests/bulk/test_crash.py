"""A real process killed at each boundary of apply, then resumed: every change lands once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genesys_timeouts import RetryPolicy, connect
from genesys_timeouts._apply import CRASH_AT_ENV, resume
from genesys_timeouts._journal import Journal, WriteState
from genesys_timeouts._plan import Plan, Selection
from genesys_timeouts.sandbox import Sandbox
from tests.bulk.bulk_helpers import (
    assert_changed_once,
    make_plan,
    patches_of,
    snapshot,
    snapshot_drafts,
    without_timeout,
)

SCRIPT = Path(__file__).with_name("crash_apply.py")

#: (boundary, strategy, include drafts, whether the interrupted write had landed)
CASES = [
    pytest.param("after-intent:1", "patch", False, False, id="after-intent-first"),
    pytest.param("after-patch:1", "patch", False, True, id="after-patch-first"),
    pytest.param("after-intent:4", "patch", False, False, id="after-intent-middle"),
    pytest.param("after-patch:4", "patch", False, True, id="after-patch-middle"),
    pytest.param("after-intent:3", "patch", True, False, id="drafts-after-intent"),
    pytest.param("after-patch:3", "patch", True, True, id="drafts-after-patch"),
    pytest.param(
        "after-draft-create:2", "draft", False, False, id="draft-after-create"
    ),
    pytest.param("after-publish:2", "draft", False, True, id="draft-after-publish"),
]


def _run_child(
    base_url: str, sb: Sandbox, args: list[str], crash_at: str, cwd: Path
) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS")}
    env.update(
        GENESYSCLOUD_OAUTHCLIENT_ID=sb.client_id,
        GENESYSCLOUD_OAUTHCLIENT_SECRET=sb.client_secret,
        GENESYSCLOUD_REGION=base_url,
        **{CRASH_AT_ENV: crash_at},
    )
    child = subprocess.run(  # our own script, fixed arguments
        [sys.executable, str(SCRIPT), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 137, child.stderr
    return child.returncode


@pytest.mark.loopback
@pytest.mark.parametrize(("crash_at", "strategy", "drafts", "landed"), CASES)
def test_crash_then_resume_changes_each_action_once(
    sb: Sandbox,
    tmp_path: Path,
    crash_at: str,
    strategy: str,
    drafts: bool,
    landed: bool,
) -> None:
    """Killed at a boundary and resumed, each planned action changes exactly once, before-images kept."""
    with sb.serve() as base_url:
        session = connect(
            sb.client_id, sb.client_secret, base_url, retry=RetryPolicy.instant()
        )
        plan = make_plan(session, to=30, where=Selection(timeout_below=11))
        if strategy == "draft":
            # The draft strategy skips actions with someone's draft; leave them out.
            plan = Plan(
                to_seconds=30, changes=[c for c in plan.changes if not c.has_draft]
            )
        (tmp_path / "plan.json").write_text(plan.to_json(), encoding="utf-8")
        before = snapshot(sb)
        drafts_before = snapshot_drafts(sb)
        journal = tmp_path / "j.sqlite"
        args = [
            str(tmp_path / "plan.json"),
            str(journal),
            strategy,
            "drafts" if drafts else "no",
        ]

        _run_child(base_url, sb, args, crash_at, tmp_path)

        with Journal.open(journal) as left:
            open_rows = [e for e in left.entries() if e.state is WriteState.INTENT]
        assert len(open_rows) == 1
        interrupted = open_rows[0]
        changed = sb.actions[interrupted.action_id] != before[interrupted.action_id]
        if interrupted.target.value == "draft":
            changed = (
                sb.drafts[interrupted.action_id] != drafts_before[interrupted.action_id]
            )
        assert changed is landed

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
        assert set(sb.drafts) == set(drafts_before)
