"""Figures for the main job on the default sandbox org.

Prints the API calls an audit makes, the time ``import genesys_timeouts``
takes, and the wall time of "raise every 3 s timeout to 10 s", in-process
and over loopback. Run: ``python benchmarks/tutorial_job.py``.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from genesys_timeouts import RetryPolicy, Selection, apply, cli, connect, list_actions
from genesys_timeouts._plan import plan_timeouts
from genesys_timeouts.flows import find_overrides
from genesys_timeouts.sandbox import Sandbox

SEED, ACTIONS, FLOWS = 7, 300, 40


def import_seconds() -> float:
    """The cumulative import time of the package, from ``-X importtime``, in a new process."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import genesys_timeouts"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(
        line for line in done.stderr.splitlines() if line.endswith("| genesys_timeouts")
    )
    return int(re.split(r"\s*\|\s*", line)[1]) / 1e6


def calls_by_path(sb: Sandbox, start: int) -> collections.Counter[str]:
    """Requests served since ``start``, by method and path shape."""
    shapes: collections.Counter[str] = collections.Counter()
    for record in sb.requests[start:]:
        path = re.sub(r"(custom|static|customAuth)_-_[^/]+", "{id}", record.path)
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{flow}", path)
        shapes[f"{record.method} {path}"] += 1
    return shapes


def audit_calls() -> None:
    sb = Sandbox(seed=SEED, actions=ACTIONS, flows=FLOWS, rate_limit_per_minute=None)
    session = connect(sb.client_id, sb.client_secret, sb.base_url, wsgi_app=sb.app)
    start = len(sb.requests)
    actions = list(list_actions(session))
    listed = len(sb.requests) - start
    print(f"audit of {len(actions)} actions: {listed} API calls")
    for shape, count in sorted(calls_by_path(sb, start).items()):
        print(f"    {count:4d}  {shape}")
    start = len(sb.requests)
    find_overrides(session, actions)
    print(f"audit --flows adds {len(sb.requests) - start} API calls:")
    for shape, count in sorted(calls_by_path(sb, start).items()):
        print(f"    {count:4d}  {shape}")


def library_job(sb: Sandbox, base_url: str, wsgi: bool, journal: Path) -> float:
    started = time.perf_counter()
    session = connect(
        sb.client_id,
        sb.client_secret,
        base_url,
        wsgi_app=sb.app if wsgi else None,
        retry=RetryPolicy(),
    )
    plan = plan_timeouts(
        list_actions(session), to=10, where=Selection(timeout_equals=3)
    )
    report = apply(session, plan, journal=journal)
    elapsed = time.perf_counter() - started
    assert report.exit_code == 0, report.describe()
    left = [a for a in sb.actions.values() if a["config"].get("timeoutSeconds") == 3]
    assert not left
    print(
        f"    {len(plan.changes)} actions changed, {len(sb.requests)} requests served"
    )
    return elapsed


def cli_job(journal: Path) -> float:
    org = Sandbox(seed=SEED, actions=ACTIONS, flows=FLOWS)
    started = time.perf_counter()
    result = CliRunner().invoke(
        cli.main,
        [
            "--no-progress",
            "--sandbox",
            "set",
            "--where-timeout",
            "3",
            "--to",
            "10",
            "--yes",
            "--journal",
            str(journal),
        ],
        obj=org,
    )
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.stderr
    print(f"    {len(org.requests)} requests served (flow warnings included)")
    return elapsed


def main() -> None:
    print(
        f"import genesys_timeouts: {import_seconds() * 1000:.0f} ms (-X importtime, cumulative)"
    )
    audit_calls()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        print("tutorial job, library, in-process:")
        sb = Sandbox(seed=SEED, actions=ACTIONS, flows=FLOWS)
        print(
            f"    {library_job(sb, sb.base_url, True, directory / 'a.sqlite'):.2f} s wall"
        )
        print("tutorial job, library, over loopback HTTP:")
        sb = Sandbox(seed=SEED, actions=ACTIONS, flows=FLOWS)
        with sb.serve() as url:
            print(
                f"    {library_job(sb, url, False, directory / 'b.sqlite'):.2f} s wall"
            )
        print(
            "tutorial job, `genesys-timeouts --sandbox set --where-timeout 3 --to 10 --yes` in-process:"
        )
        os.chdir(directory)
        print(f"    {cli_job(directory / 'c.sqlite'):.2f} s wall")


if __name__ == "__main__":
    main()
