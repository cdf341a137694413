"""API calls made by the flow-impact analysis on the default sandbox org.

Counts, by kind, the requests ``find_overrides`` makes for every action of
``Sandbox(seed=7, actions=300, flows=40)``: through dependency tracking,
and through the document scan used when tracking is not operational.
Also prints the expected figure for the index path, derived from the
org's own dependency index, so a drift in either shows at once.
Run: ``python benchmarks/flow_calls.py``.
"""

from __future__ import annotations

import collections
import math
import re
import time

from genesys_timeouts import RetryPolicy, connect, list_actions
from genesys_timeouts.flows import find_overrides
from genesys_timeouts.sandbox import Sandbox

SEED, ACTIONS, FLOWS = 7, 300, 40
#: The page size the library asks dependency tracking for.
PAGE = 100


def kind(path: str) -> str:
    """The kind of platform call a request path is."""
    if path.endswith("/configuration"):
        return "flow document"
    if path.endswith("/consumingresources"):
        return "dependency query"
    if path.endswith("/dependencytracking/build"):
        return "build status"
    if re.fullmatch(r"/api/v2/flows/[^/]+", path):
        return "flow record"
    if path == "/api/v2/flows":
        return "flow listing page"
    return path


def expected_index_calls(sb: Sandbox, action_ids: list[str]) -> int:
    """1 build + pages per action and object type + consuming flows + versions read."""
    queries = 0
    flows: set[str] = set()
    for action_id in action_ids:
        for via in ("DATAACTION", "SECUREACTION"):
            entries = sb.dependencies.get((via, action_id), [])
            consumers = {(f, v) for f, v, _k in entries}
            queries += max(1, math.ceil(len(consumers) / PAGE))
            flows |= {f for f, _v in consumers}
    published = {
        (f, sb.flows[f].published_version)
        for f in flows
        if sb.flows[f].published_version is not None
    }

    return 1 + queries + len(flows) + len(published)


def measure(label: str, sb: Sandbox, run: object) -> None:
    """Run ``run`` and print its calls by kind."""
    assert callable(run)
    start = len(sb.requests)
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    calls = collections.Counter(kind(r.path) for r in sb.requests[start:])
    print(f"{label}: {sum(calls.values())} API calls in {seconds:.1f} s")
    for name, count in sorted(calls.items()):
        print(f"    {count:4d}  {name}")


def main() -> None:
    """Print the figures for both paths."""
    sb = Sandbox(seed=SEED, actions=ACTIONS, flows=FLOWS, rate_limit_per_minute=None)
    session = connect(
        sb.client_id,
        sb.client_secret,
        sb.base_url,
        wsgi_app=sb.app,
        retry=RetryPolicy.instant(),
    )
    actions = list(list_actions(session))
    print(f"{len(actions)} actions, {len(sb.flows)} flows")
    print(
        f"expected through the index: {expected_index_calls(sb, [a.id for a in actions])}"
    )

    measure("index (OPERATIONAL)", sb, lambda: find_overrides(session, actions))
    sb.dependency_build_status = "NOTBUILT"
    measure("scan (NOTBUILT)", sb, lambda: find_overrides(session, actions))


if __name__ == "__main__":
    main()
