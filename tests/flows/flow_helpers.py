"""Reading the sandbox org directly, to check what the flow analysis says against it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from genesys_timeouts import DataAction
from genesys_timeouts.sandbox import Sandbox

T = TypeVar("T")

OBJECT_TYPES = ("DATAACTION", "SECUREACTION")

#: (flow id, version, object type, state) as dependency tracking should report it.
Consumer = tuple[str, str, str, str]


def route(path: str) -> str:
    """The kind of platform call a request path is."""
    if path.endswith("/configuration"):
        return "document"
    if path.endswith("/dependencytracking/consumingresources"):
        return "dependencies"
    if path.endswith("/dependencytracking/build"):
        return "build"
    if re.fullmatch(r"/api/v2/flows/[^/]+", path):
        return "flow"
    if path == "/api/v2/flows":
        return "flows"
    return path


def counted(sb: Sandbox, run: Callable[[], T]) -> tuple[T, Counter[str]]:
    """What ``run`` returns and the platform calls it made, by kind."""
    start = len(sb.requests)
    result = run()

    return result, Counter(route(r.path) for r in sb.requests[start:])


def document_reads(sb: Sandbox, start: int) -> Counter[str]:
    """How often each flow document path was fetched since request ``start``."""
    return Counter(r.path for r in sb.requests[start:] if route(r.path) == "document")


def objects(node: object) -> Iterator[dict[str, Any]]:
    """Every JSON object in a document, however deep."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


#: Action id -> (flow id, step) for each step calling it in a published version.
Steps = dict[str, list[tuple[str, dict[str, Any]]]]


def calling_steps(sb: Sandbox) -> Steps:
    """Every step calling an action in a published version, read straight from the org."""
    steps: Steps = {}
    for flow in sb.flows.values():
        if flow.published_version is None:
            continue
        for step in objects(flow.documents[flow.published_version]):
            if "actionId" in step and "useSuggestedTimeout" in step:
                steps.setdefault(step["actionId"], []).append((flow.id, step))
    return steps


def consumers(sb: Sandbox, action_id: str) -> set[Consumer]:
    """Every consuming flow version in the index, both object types, with its state now."""
    found = set()
    for via in OBJECT_TYPES:
        for flow_id, version, _kind in sb.dependencies.get((via, action_id), []):
            flow = sb.flows[flow_id]
            published = version == flow.published_version
            found.add(
                (flow_id, version, via, "published" if published else "checkedIn")
            )
    return found


def published_versions(sb: Sandbox, action_ids: list[str]) -> set[tuple[str, str]]:
    """The distinct (flow, version) pairs a run must read: published consumers."""
    return {
        (flow_id, version)
        for action_id in action_ids
        for flow_id, version, _via, state in consumers(sb, action_id)
        if state == "published"
    }


def action_value(sb: Sandbox, action_id: str) -> DataAction:
    """A DataAction value for a raw sandbox action."""
    raw = sb.actions[action_id]
    return DataAction(
        id=action_id,
        name=raw["name"],
        version=raw["version"],
        secure=bool(raw.get("secure")),
    )


def consumed(sb: Sandbox, via: str) -> str:
    """The first listed action that a published flow uses through ``via``."""
    return next(
        aid
        for (kind, aid), entries in sb.dependencies.items()
        if kind == via
        and aid in sb.actions
        and any(k == "published" for *_, k in entries)
    )


def call_step(
    action_id: str,
    *,
    use_suggested: bool,
    text: str,
    name: str = "Call Data Action",
    kind: str = "DataAction",
) -> dict[str, Any]:
    """A data-action step as Architect exports it, with ``text`` as its timeout."""
    return {
        "__type": kind,
        "id": f"step-{name}",
        "name": name,
        "actionId": action_id,
        "actionName": "A",
        "useSuggestedTimeout": use_suggested,
        "timeout": {
            "config": {"lit": {"pos": 1, "text": text, "type": "dur"}},
            "text": text,
            "type": "dur",
        },
        "paths": [{"label": "Success", "outputId": "__SUCCESS__"}],
    }


def republish(sb: Sandbox, flow_id: str, document: dict[str, Any]) -> str:
    """Publish ``document`` as a new version of a flow, as Architect would.

    The dependency index is left as it was built, so it is stale until
    rebuilt, which is how the platform behaves between builds.
    """
    flow = sb.flows[flow_id]
    version = f"{int(float(flow.latest_version)) + 1}.0"
    flow.documents[version] = document
    flow.published_version = version
    flow.checked_in_version = version

    return version
