"""Run ``apply`` in a child process, for the crash tests in test_crash.py.

Usage: ``python crash_apply.py PLAN JOURNAL STRATEGY drafts|no-drafts``.
The credentials and base URL come from the GENESYSCLOUD_* variables, so no
secret appears on a command line. The test sets GENESYS_TIMEOUTS_CRASH_AT
to make the process die at a chosen boundary.
"""

from __future__ import annotations

import sys
from pathlib import Path

from genesys_timeouts import RetryPolicy, connect
from genesys_timeouts._apply import apply
from genesys_timeouts._plan import Plan


def main(argv: list[str]) -> int:
    """Apply the plan file to the org in the environment; return the exit code."""
    plan_path, journal_path, strategy, drafts = argv
    session = connect(retry=RetryPolicy.instant())
    plan = Plan.from_json(Path(plan_path).read_text(encoding="utf-8"))
    report = apply(
        session,
        plan,
        journal=journal_path,
        strategy=strategy,
        include_drafts=drafts == "drafts",
    )
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
