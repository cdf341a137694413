"""Flow impact against the sandbox: references, overrides, fallbacks and call counts."""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from genesys_timeouts import DataAction, RetryPolicy, Session, connect, list_actions
from genesys_timeouts.flows import (
    ActionImpact,
    FlowImpact,
    FlowOverride,
    FlowState,
    Via,
    find_overrides,
    find_references,
)
from genesys_timeouts.sandbox import Sandbox

T = TypeVar("T")

#: (flow id, step id, useSuggestedTimeout) for each step calling an action.
StepKey = tuple[str, str, bool]


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


def truth(sb: Sandbox, action_id: str) -> set[StepKey]:
    """The steps calling ``action_id`` in every published flow, read straight from the org."""
    return {
        (flow.id, step["id"], step["useSuggestedTimeout"])
        for flow in sb.flows.values()
        if flow.published_version is not None
        for step in objects(flow.documents[flow.published_version])
        if step.get("actionId") == action_id
    }


def found(impact: FlowImpact, action_id: str) -> set[StepKey]:
    """The steps an analysis found for ``action_id``, keyed as :func:`truth` keys them."""
    return {
        (s.flow_id, s.step_id or "", bool(s.use_suggested_timeout))
        for s in impact[action_id].steps
    }


def published_consumers(sb: Sandbox, via: str, action_id: str) -> list[tuple[str, str]]:
    """(flow id, version) that dependency tracking holds for a published consumer."""
    return [
        (f, v)
        for f, v, kind in sb.dependencies.get((via, action_id), [])
        if kind == "published"
    ]


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
    """The first action that a published flow uses through ``via``."""
    return next(
        aid
        for (kind, aid) in sb.dependencies
        if kind == via and aid in sb.actions and published_consumers(sb, via, aid)
    )


@pytest.fixture(scope="module")
def three_second(session: Session) -> list[DataAction]:
    """Every action of the org whose timeout is 3 s."""
    return list(list_actions(session, timeout_equals=3))


@pytest.fixture(scope="module")
def baseline(
    sandbox: Sandbox, session: Session, three_second: list[DataAction]
) -> tuple[FlowImpact, Counter[str]]:
    """The impact analysis of the 3 s actions on an operational index, with its call counts."""
    return counted(sandbox, lambda: find_overrides(session, three_second))


@pytest.mark.parametrize("via", [Via.DATAACTION, Via.SECUREACTION])
def test_references_come_from_the_matching_object_type(
    sb: Sandbox, session: Session, via: Via
) -> None:
    """A DataAction value is looked up under its own object type only, all its consumers returned."""
    action = action_value(sb, consumed(sb, via.value))
    refs, calls = counted(sb, lambda: find_references(session, action))

    assert sorted(published_consumers(sb, via.value, action.id)) == sorted(
        (r.flow_id, r.flow_version) for r in refs
    )
    assert {(via, FlowState.PUBLISHED)} == {(r.via, r.state) for r in refs}
    assert Counter(build=1, dependencies=1) == calls


def test_bare_id_queries_both_object_types(sb: Sandbox, session: Session) -> None:
    """An action given only by id is looked up as DATAACTION and as SECUREACTION."""
    action_id = consumed(sb, "SECUREACTION")
    refs, calls = counted(sb, lambda: find_references(session, action_id))

    assert Counter(build=1, dependencies=2) == calls
    assert len(published_consumers(sb, "SECUREACTION", action_id)) == len(refs)


def test_checked_in_versions_on_request(sb: Sandbox, session: Session) -> None:
    """With include_checked_in, checked-in consumers come back too, at one more query."""
    action_id = next(
        aid
        for (kind, aid), entries in sb.dependencies.items()
        if kind == "DATAACTION"
        and aid in sb.actions
        and any(k == "checkedIn" for *_, k in entries)
    )
    action = action_value(sb, action_id)
    refs, calls = counted(
        sb, lambda: find_references(session, action, include_checked_in=True)
    )
    expected = sorted(
        (f, v, k) for f, v, k in sb.dependencies[("DATAACTION", action_id)]
    )

    assert expected == sorted((r.flow_id, r.flow_version, r.state.value) for r in refs)
    assert Counter(build=1, dependencies=2) == calls


def test_impact_matches_the_flow_documents(
    sb: Sandbox,
    baseline: tuple[FlowImpact, Counter[str]],
    three_second: list[DataAction],
) -> None:
    """Every step calling each action in a published flow is found, overriding or not."""
    impact, _calls = baseline

    assert {a.id: truth(sb, a.id) for a in three_second} == {
        a.id: found(impact, a.id) for a in three_second
    }
    assert any(impact[a.id].overrides for a in three_second)


def test_call_counts_follow_the_cost_rule(
    sb: Sandbox,
    baseline: tuple[FlowImpact, Counter[str]],
    three_second: list[DataAction],
) -> None:
    """One dependency query per action page, one get_flow per consuming flow, one read per version."""
    _impact, calls = baseline
    consumers = {
        (flow_id, version)
        for action in three_second
        for flow_id, version in published_consumers(
            sb, "SECUREACTION" if action.secure else "DATAACTION", action.id
        )
    }
    pages = sum(
        max(1, math.ceil(len(published_consumers(sb, via, a.id)) / 100))
        for a in three_second
        for via in ["SECUREACTION" if a.secure else "DATAACTION"]
    )

    assert (
        Counter(
            build=1,
            dependencies=pages,
            flow=len({flow_id for flow_id, _ in consumers}),
            document=len(consumers),
        )
        == calls
    )


def test_dependency_queries_name_the_object_type(sb: Sandbox, session: Session) -> None:
    """Each dependency query asks for the published flows of one action under its object type."""
    action = action_value(sb, consumed(sb, "SECUREACTION"))
    start = len(sb.requests)
    find_overrides(session, [action])
    queries = [r.query for r in sb.requests[start:] if route(r.path) == "dependencies"]

    assert [("SECUREACTION", "published", action.id)] == [
        (q["objectType"], q["flowFilter"], q["id"]) for q in queries
    ]


def test_not_built_index_falls_back_to_a_scan(
    sb: Sandbox,
    session: Session,
    baseline: tuple[FlowImpact, Counter[str]],
    three_second: list[DataAction],
) -> None:
    """When the index is NOTBUILT every published flow is read once and the results are the same."""
    sb.dependency_build_status = "NOTBUILT"
    seen: list[tuple[int, int]] = []
    impact, calls = counted(
        sb,
        lambda: find_overrides(
            session, three_second, progress=lambda d, t: seen.append((d, t))
        ),
    )
    published = sum(1 for f in sb.flows.values() if f.published_version is not None)

    assert (True, "NOTBUILT") == (impact.scanned, impact.dependency_status)
    assert "NOTBUILT" in impact.warnings[0]
    assert Counter(build=1, flows=1, document=published) == calls
    assert [(n, published) for n in range(published + 1)] == seen
    assert {a.id: found(baseline[0], a.id) for a in three_second} == {
        a.id: found(impact, a.id) for a in three_second
    }
    assert {
        a.id: {r.flow_id for r in baseline[0][a.id].references} for a in three_second
    } == {a.id: {r.flow_id for r in impact[a.id].references} for a in three_second}


def test_stale_index_is_used_with_a_warning(
    sb: Sandbox, session: Session, three_second: list[DataAction]
) -> None:
    """OPERATIONALNEEDSREBUILD keeps the index but warns, on the run and on every action."""
    sb.dependency_build_status = "OPERATIONALNEEDSREBUILD"
    impact = find_overrides(session, three_second[:3])

    assert (False, 1) == (impact.scanned, len(impact.warnings))
    assert "OPERATIONALNEEDSREBUILD" in impact.warnings[0]
    assert all(
        impact.warnings[0] in impact.warnings_for(a.id) for a in three_second[:3]
    )


def test_find_references_logs_an_untrusted_index(
    sb: Sandbox, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Asking dependency tracking while it is building logs a warning naming the status."""
    sb.dependency_build_status = "BUILDINPROGRESS"
    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        find_references(session, consumed(sb, "DATAACTION"))

    assert any("BUILDINPROGRESS" in r.getMessage() for r in caplog.records)


def test_scan_all_reads_every_flow_without_warning(
    sb: Sandbox, session: Session
) -> None:
    """scan_all scans even an operational org, and says nothing is wrong."""
    impact, calls = counted(
        sb, lambda: find_overrides(session, [consumed(sb, "DATAACTION")], scan_all=True)
    )

    assert (True, (), 0) == (impact.scanned, impact.warnings, calls["dependencies"])


def test_flows_ignoring_explains_each_override(
    baseline: tuple[FlowImpact, Counter[str]],
) -> None:
    """Each overriding step gets one line naming its flow, its path and its own timeout."""
    impact, _calls = baseline
    lines = [why for aid in impact for _, why in impact.flows_ignoring(aid, 10)]

    assert lines
    assert all("\n" not in line and "' \u203a " in line for line in lines)
    assert any(
        re.search(r"sets its own [\d.]+ s timeout, not the new 10 s$", line)
        for line in lines
    )


def test_impact_is_json_ready(baseline: tuple[FlowImpact, Counter[str]]) -> None:
    """to_dict gives plain JSON with the audit columns for every action."""
    impact, _calls = baseline
    data = json.loads(json.dumps(impact.to_dict()))

    assert {
        "flows_using",
        "flows_overriding",
        "lowest_override_seconds",
        "steps",
        "warnings",
    } <= set(next(iter(data["actions"].values())))


def override(**changes: Any) -> FlowOverride:
    """A step of 'Main IVR' that sets its own 5 s timeout, with ``changes``."""
    values: dict[str, Any] = {
        "flow_id": "f1",
        "flow_name": "Main IVR",
        "flow_type": "INBOUNDCALLFLOW",
        "flow_version": "3.0",
        "action_id": "custom_-_a",
        "path": ("Task 'Lookup'",),
        "step_name": "Get customer",
        "use_suggested_timeout": False,
        "timeout_seconds": 5.0,
    }
    return FlowOverride(**{**values, **changes})


REASONS = [
    (
        "literal",
        override(),
        "Inbound call 'Main IVR' \u203a Task 'Lookup' \u203a 'Get customer' sets its own 5 s timeout, not the new 30 s",
    ),
    (
        "expression",
        override(timeout_seconds=None, expression="Flow.T"),
        "Inbound call 'Main IVR' \u203a Task 'Lookup' \u203a 'Get customer' sets its own timeout from the expression Flow.T, not the new 30 s",
    ),
    (
        "unreadable",
        override(use_suggested_timeout=None, problem="useSuggestedTimeout is missing"),
        "Inbound call 'Main IVR' \u203a Task 'Lookup' \u203a 'Get customer' could not be read (useSuggestedTimeout is missing); check it in Architect",
    ),
]


@pytest.mark.parametrize(
    ("step", "reason"), [(s, r) for _, s, r in REASONS], ids=[i for i, _, _ in REASONS]
)
def test_reasons_read_as_one_line(step: FlowOverride, reason: str) -> None:
    """The reason says where the step is and what timeout it keeps instead."""
    assert reason == step.reason(30)


def test_lowest_override_ignores_expressions_and_suggested_steps() -> None:
    """The lowest override is the smallest literal among steps that do override."""
    impact = ActionImpact(
        action_id="custom_-_a",
        steps=(
            override(timeout_seconds=8.0),
            override(timeout_seconds=2.5, use_suggested_timeout=True),
            override(timeout_seconds=None, expression="Flow.T"),
            override(timeout_seconds=4.0, flow_id="f2"),
        ),
    )

    assert (4.0, 2, 3) == (
        impact.lowest_override_seconds,
        impact.flows_overriding,
        len(impact.flows_ignoring(30)),
    )


def test_empty_timeouts_are_reported_as_unreadable(
    sb: Sandbox, baseline: tuple[FlowImpact, Counter[str]]
) -> None:
    """Exactly the overriding steps whose timeout is empty are reported as unreadable."""
    impact, _calls = baseline
    empty = {
        step["id"]
        for flow in sb.flows.values()
        if flow.published_version is not None
        for step in objects(flow.documents[flow.published_version])
        if "actionId" in step
        and step["useSuggestedTimeout"] is False
        and step["timeout"]["text"] == ""
        and step["actionId"] in impact
    }

    assert empty == {s.step_id for aid in impact for s in impact[aid].unreadable}


def test_no_actions_costs_nothing(sb: Sandbox, session: Session) -> None:
    """An empty selection makes no platform call at all."""
    impact, calls = counted(sb, lambda: find_overrides(session, []))

    assert (0, Counter()) == (len(impact), calls)


def test_republished_flow_is_read_at_its_current_version() -> None:
    """When a flow moved on since the index was built, its current version is read, with warnings."""
    sb = Sandbox(seed=11, actions=40, flows=8, rate_limit_per_minute=None)
    session = connect(
        sb.client_id,
        sb.client_secret,
        sb.base_url,
        wsgi_app=sb.app,
        retry=RetryPolicy.instant(),
    )
    action_id = consumed(sb, "DATAACTION")
    flow_id, version = published_consumers(sb, "DATAACTION", action_id)[0]
    flow = sb.flows[flow_id]
    flow.documents["99.0"] = {"name": flow.name, "flowSequenceItemList": []}
    flow.published_version = "99.0"

    impact = find_overrides(session, [action_id])

    assert flow_id not in {s.flow_id for s in impact[action_id].steps}
    assert any(
        f"lists version {version} but version 99.0 is published" in w
        for w in impact[action_id].warnings
    )
    assert any("no step calling it was found" in w for w in impact[action_id].warnings)
