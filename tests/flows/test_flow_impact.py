"""Flow impact against the sandbox: references, overrides, fallbacks and call counts."""

from __future__ import annotations

import copy
import json
import logging
import math
import re
from collections import Counter

import attrs
import pytest

from genesys_timeouts import DataAction, Session, list_actions
from genesys_timeouts.flows import (
    FlowImpact,
    FlowState,
    Via,
    find_overrides,
    find_references,
)
from genesys_timeouts.sandbox import Sandbox
from tests.flows.flow_helpers import (
    OBJECT_TYPES,
    Steps,
    action_value,
    call_step,
    calling_steps,
    consumed,
    consumers,
    counted,
    document_reads,
    published_versions,
    republish,
    route,
)
from tests.in_process import in_process_session

#: (flow id, step id, useSuggestedTimeout) for each step calling an action.
StepKey = tuple[str, str, bool]


def truth(steps: Steps, action_id: str) -> set[StepKey]:
    """The steps calling ``action_id`` in every published flow, keyed for comparison."""
    return {
        (flow_id, step["id"], step["useSuggestedTimeout"])
        for flow_id, step in steps.get(action_id, [])
    }


def found(impact: FlowImpact, action_id: str) -> set[StepKey]:
    """The steps an analysis found for ``action_id``, keyed as :func:`truth` keys them."""
    return {
        (s.flow_id, s.step_id or "", bool(s.use_suggested_timeout))
        for s in impact[action_id].steps
    }


def references(impact: FlowImpact, action_id: str) -> set[tuple[str, str, str, str]]:
    """The references of one action as (flow, version, object type, state)."""
    return {
        (r.flow_id, r.flow_version, r.via.value, r.state.value)
        for r in impact[action_id].references
    }


def expected_calls(sb: Sandbox, action_ids: list[str]) -> Counter[str]:
    """The cost rule: 1 build, pages per action and type, 1 record per flow, 1 read per version."""
    pages = sum(
        max(1, math.ceil(len({(f, v) for f, v, _ in entries}) / 100))
        for aid in action_ids
        for via in OBJECT_TYPES
        for entries in [sb.dependencies.get((via, aid), [])]
    )
    flows = {f for aid in action_ids for f, *_ in consumers(sb, aid)}

    return Counter(
        build=1,
        dependencies=pages,
        flow=len(flows),
        document=len(published_versions(sb, action_ids)),
    )


@pytest.fixture(scope="module")
def steps(sandbox: Sandbox) -> Steps:
    """The calling steps of the shared org, read once."""
    return calling_steps(sandbox)


@pytest.fixture(scope="module")
def three_second(session: Session) -> list[DataAction]:
    """Every action of the org whose timeout is 3 s."""
    return list(list_actions(session, timeout_equals=3))


@pytest.fixture(scope="module")
def everything(session: Session) -> list[DataAction]:
    """Every action of the org."""
    return list(list_actions(session))


@pytest.fixture(scope="module")
def baseline(
    sandbox: Sandbox, session: Session, everything: list[DataAction]
) -> tuple[FlowImpact, Counter[str], Counter[str]]:
    """The impact of every action on an operational index, its calls and document reads."""
    start = len(sandbox.requests)
    impact, calls = counted(sandbox, lambda: find_overrides(session, everything))

    return impact, calls, document_reads(sandbox, start)


# --- find_references --------------------------------------------------------------


@pytest.mark.parametrize("via", OBJECT_TYPES)
@pytest.mark.parametrize("given", ["value", "id"])
def test_references_cover_both_object_types_and_states(
    sb: Sandbox, session: Session, via: str, given: str
) -> None:
    """Every consumer under DATAACTION and SECUREACTION comes back, published and checked in."""
    action_id = consumed(sb, via)
    action = action_value(sb, action_id) if given == "value" else action_id
    refs, calls = counted(sb, lambda: find_references(session, action))
    flows = {flow_id for flow_id, *_ in consumers(sb, action_id)}

    assert consumers(sb, action_id) == {
        (r.flow_id, r.flow_version, r.via.value, r.state.value) for r in refs
    }
    assert Counter(build=1, dependencies=2, flow=len(flows)) == calls


def test_checked_in_consumers_have_their_state(sb: Sandbox, session: Session) -> None:
    """A flow whose only checked-in version calls the action is returned as checked in."""
    action_id = next(
        aid
        for (_via, aid) in sb.dependencies
        if any(state == "checkedIn" for *_, state in consumers(sb, aid))
    )
    refs = find_references(session, action_id)

    assert any(r.state is FlowState.CHECKED_IN for r in refs)
    assert {r.flow_id for r in refs if r.published} == {
        f for f, _v, _via, state in consumers(sb, action_id) if state == "published"
    }


def test_published_only_reads_no_flow(sb: Sandbox, session: Session) -> None:
    """include_checked_in=False asks for published consumers only and reads no flow record."""
    action_id = consumed(sb, "DATAACTION")
    refs, calls = counted(
        sb, lambda: find_references(session, action_id, include_checked_in=False)
    )

    assert {
        (f, v, via)
        for f, v, via, state in consumers(sb, action_id)
        if state == "published"
    } == {(r.flow_id, r.flow_version, r.via.value) for r in refs}
    assert Counter(build=1, dependencies=2) == calls


def test_references_follow_every_page() -> None:
    """An action with more consumers than fit on a page gets every one of them."""
    sb = Sandbox(seed=5, actions=6, flows=240, rate_limit_per_minute=None)
    (via, action_id), entries = max(
        sb.dependencies.items(), key=lambda item: len(item[1])
    )
    listed = {(f, v) for f, v, _ in entries}
    refs, calls = counted(
        sb, lambda: find_references(in_process_session(sb), action_id)
    )

    assert len(listed) > 100
    assert listed == {(r.flow_id, r.flow_version) for r in refs if r.via.value == via}
    assert math.ceil(len(listed) / 100) + 1 == calls["dependencies"]


@pytest.mark.parametrize("status", ["BUILDINPROGRESS", "NOTBUILT"])
def test_find_references_warns_about_an_untrusted_index(
    sb: Sandbox, session: Session, caplog: pytest.LogCaptureFixture, status: str
) -> None:
    """Asking dependency tracking while it is not operational logs a warning naming the status."""
    sb.dependency_build_status = status
    with caplog.at_level(logging.WARNING, logger="genesys_timeouts"):
        find_references(session, consumed(sb, "DATAACTION"))

    assert any(status in r.getMessage() for r in caplog.records)


def test_an_unbuilt_index_knows_no_consumers(
    steps: Steps, sb: Sandbox, session: Session
) -> None:
    """NOTBUILT answers with no flows at all, which is why find_overrides scans instead."""
    action_id = consumed(sb, "DATAACTION")
    sb.dependency_build_status = "NOTBUILT"

    assert [] == find_references(session, action_id)
    assert truth(steps, action_id)


# --- find_overrides on an operational index ------------------------------------------


def test_impact_matches_the_flow_documents(
    steps: Steps,
    sb: Sandbox,
    baseline: tuple[FlowImpact, Counter[str], Counter[str]],
    everything: list[DataAction],
) -> None:
    """Every step calling each action in a published flow is found, overriding or not."""
    impact = baseline[0]

    assert {a.id: truth(steps, a.id) for a in everything} == {
        a.id: found(impact, a.id) for a in everything
    }
    assert {a.id: consumers(sb, a.id) for a in everything} == {
        a.id: references(impact, a.id) for a in everything
    }


@pytest.mark.parametrize("selection", ["3 s actions", "all actions"])
def test_call_counts_follow_the_cost_rule(
    sb: Sandbox,
    session: Session,
    three_second: list[DataAction],
    everything: list[DataAction],
    selection: str,
) -> None:
    """Queries per action and type, one record per flow, one read per version, never repeated."""
    actions = three_second if selection == "3 s actions" else everything
    start = len(sb.requests)
    _impact, calls = counted(sb, lambda: find_overrides(session, actions))

    assert expected_calls(sb, [a.id for a in actions]) == calls
    assert {1} == set(document_reads(sb, start).values())


def test_cheapest_reads_every_document_when_that_costs_less(
    steps: Steps,
    sb: Sandbox,
    session: Session,
    everything: list[DataAction],
) -> None:
    """With ``cheapest``, a large selection is scanned: same steps, fewer requests than the index."""
    start = len(sb.requests)
    impact, calls = counted(
        sb, lambda: find_overrides(session, everything, cheapest=True)
    )

    assert impact.scanned
    assert 0 == calls["dependencies"]
    assert sum(calls.values()) < len(everything) * len(OBJECT_TYPES)
    assert {1} == set(document_reads(sb, start).values())
    assert {a.id: truth(steps, a.id) for a in everything} == {
        a.id: found(impact, a.id) for a in everything
    }


def test_cheapest_keeps_the_index_for_a_small_selection(
    sb: Sandbox, session: Session, everything: list[DataAction]
) -> None:
    """With ``cheapest``, a few actions still go through dependency tracking, after one listing page at most."""
    used = {aid for (_kind, aid), entries in sb.dependencies.items() if entries}
    few = [a for a in everything if a.id in used][:3]
    impact, calls = counted(sb, lambda: find_overrides(session, few, cheapest=True))

    assert not impact.scanned
    assert len(few) * len(OBJECT_TYPES) == calls["dependencies"]
    assert 1 == calls["flows"]


def test_cheapest_lists_no_flow_for_one_action(
    sb: Sandbox, session: Session, everything: list[DataAction]
) -> None:
    """With ``cheapest``, one action goes straight to dependency tracking: no flow listing."""
    used = {aid for (_kind, aid), entries in sb.dependencies.items() if entries}
    one = next(a for a in everything if a.id in used)
    impact, calls = counted(sb, lambda: find_overrides(session, [one], cheapest=True))

    assert not impact.scanned
    assert 0 == calls["flows"]
    assert len(OBJECT_TYPES) == calls["dependencies"]


def test_cheapest_stops_listing_a_large_org_early() -> None:
    """With ``cheapest``, an org with many flows is listed only until scanning is known to cost more."""
    big = Sandbox(seed=3, actions=40, flows=250, rate_limit_per_minute=None)
    big_session = in_process_session(big)
    few = [a for a in list_actions(big_session) if a.editable][:30]
    impact, calls = counted(
        big, lambda: find_overrides(big_session, few, cheapest=True)
    )

    assert not impact.scanned
    assert 1 == calls["flows"]
    assert len(few) * len(OBJECT_TYPES) == calls["dependencies"]


def test_dependency_queries_ask_both_types_unfiltered(
    sb: Sandbox, session: Session, three_second: list[DataAction]
) -> None:
    """Each selected action is asked for under both object types, for all versions."""
    start = len(sb.requests)
    find_overrides(session, three_second[:4])
    queries = [r.query for r in sb.requests[start:] if route(r.path) == "dependencies"]

    assert {(via, a.id) for a in three_second[:4] for via in OBJECT_TYPES} == {
        (q["objectType"], q["id"]) for q in queries
    }
    assert not any("flowFilter" in q for q in queries)


def test_secure_calls_are_found_through_secureaction(
    steps: Steps, sb: Sandbox, baseline: tuple[FlowImpact, Counter[str], Counter[str]]
) -> None:
    """Steps calling secure actions are found, some overriding, their flows listed as SECUREACTION."""
    impact = baseline[0]
    secure = [aid for aid, a in sb.actions.items() if a["secure"] and truth(steps, aid)]
    secure_steps = [s for aid in secure for s in impact[aid].steps]

    assert secure
    assert {aid: truth(steps, aid) for aid in secure} == {
        aid: found(impact, aid) for aid in secure
    }
    assert any(s.overrides for s in secure_steps)
    assert {Via.SECUREACTION} == {
        r.via for aid in secure for r in impact[aid].references
    }


def test_own_timeouts_only_on_overriding_steps(
    baseline: tuple[FlowImpact, Counter[str], Counter[str]],
) -> None:
    """Steps that use the suggested timeout report none of their own; overriding ones do."""
    steps = [s for aid in baseline[0] for s in baseline[0][aid].steps]
    suggested = [s for s in steps if s.use_suggested_timeout]
    clean = [s for s in steps if s.overrides and s.problem is None]

    assert suggested
    assert clean
    assert all((s.timeout_seconds, s.expression) == (None, None) for s in suggested)
    assert all((s.timeout_seconds is None) != (s.expression is None) for s in clean)


def test_variable_timeouts_are_expressions(
    steps: Steps, sb: Sandbox, baseline: tuple[FlowImpact, Counter[str], Counter[str]]
) -> None:
    """An overriding step whose timeout is a variable reports the variable's text, no seconds."""
    impact = baseline[0]
    texts = {
        step["id"]: step["timeout"]["text"]
        for aid in impact
        for _flow, step in steps.get(aid, [])
    }
    variables = [
        s
        for aid in impact
        for s in impact[aid].overrides
        if texts[s.step_id or ""].startswith("Flow.")
    ]

    assert variables
    assert all(
        (None, texts[s.step_id or ""]) == (s.timeout_seconds, s.expression)
        for s in variables
    )


def test_overrides_are_found_at_depth_in_every_container(
    baseline: tuple[FlowImpact, Counter[str], Counter[str]],
) -> None:
    """Overrides sit in tasks, states, bot states and menus, some three or more levels deep."""
    overrides = [s for aid in baseline[0] for s in baseline[0][aid].overrides]
    outer = {s.path[0].split(" ")[0] for s in overrides if len(s.path) >= 3}

    assert {"Task", "State", "BotState", "Menu"} <= outer


def test_checked_in_only_consumers_are_flagged(
    sb: Sandbox, baseline: tuple[FlowImpact, Counter[str], Counter[str]]
) -> None:
    """A flow calling the action only in an unpublished version is not counted, but warned about."""
    impact = baseline[0]
    pending = {
        aid: {f for f, _v, _via, state in consumers(sb, aid) if state == "checkedIn"}
        - {f for f, _v, _via, state in consumers(sb, aid) if state == "published"}
        for aid in impact
    }
    flagged = [aid for aid, flows in pending.items() if flows]

    assert flagged
    for aid in flagged:
        names = {sb.flows[f].name for f in pending[aid]}
        assert pending[aid] == {r.flow_id for r in impact[aid].checked_in_only}
        assert pending[aid].isdisjoint({s.flow_id for s in impact[aid].steps})
        assert all(
            any(
                f"'{n}': only its checked-in version" in w for w in impact[aid].warnings
            )
            for n in names
        )


def test_progress_counts_the_documents_read(
    sb: Sandbox, session: Session, three_second: list[DataAction]
) -> None:
    """Progress goes from 0 to the number of documents, one step per read."""
    seen: list[tuple[int, int]] = []
    _impact, calls = counted(
        sb,
        lambda: find_overrides(
            session, three_second, progress=lambda d, t: seen.append((d, t))
        ),
    )

    assert [(n, calls["document"]) for n in range(calls["document"] + 1)] == seen


# --- when the index cannot be trusted -----------------------------------------------


@pytest.mark.parametrize("status", ["NOTBUILT", "BUILDINPROGRESS", "BUILDQUEUED"])
def test_untrusted_index_falls_back_to_a_scan(
    sb: Sandbox,
    session: Session,
    baseline: tuple[FlowImpact, Counter[str], Counter[str]],
    everything: list[DataAction],
    status: str,
) -> None:
    """Every flow version is read once, with a warning and progress, and the answer is the same."""
    sb.dependency_build_status = status
    seen: list[tuple[int, int]] = []
    impact, calls = counted(
        sb,
        lambda: find_overrides(
            session, everything, progress=lambda d, t: seen.append((d, t))
        ),
    )
    versions = {f.published_version for f in sb.flows.values()} | {
        f.checked_in_version for f in sb.flows.values()
    }
    reads = sum(
        len({f.published_version, f.checked_in_version} - {None})
        for f in sb.flows.values()
    )

    assert versions
    assert (True, status) == (impact.scanned, impact.dependency_status)
    assert status in impact.warnings[0]
    assert Counter(build=1, flows=1, document=reads) == calls
    assert [(n, reads) for n in range(reads + 1)] == seen
    assert {a.id: found(baseline[0], a.id) for a in everything} == {
        a.id: found(impact, a.id) for a in everything
    }
    assert {a.id: references(baseline[0], a.id) for a in everything} == {
        a.id: references(impact, a.id) for a in everything
    }


def test_scan_all_reads_every_flow_without_warning(
    sb: Sandbox, session: Session
) -> None:
    """scan_all scans even an operational org, and says nothing is wrong."""
    impact, calls = counted(
        sb, lambda: find_overrides(session, [consumed(sb, "DATAACTION")], scan_all=True)
    )

    assert (True, (), 0) == (impact.scanned, impact.warnings, calls["dependencies"])


@pytest.fixture
def fresh() -> Sandbox:
    """A small org of its own, for tests that change flows."""
    return Sandbox(seed=11, actions=40, flows=8, rate_limit_per_minute=None)


def test_stale_index_is_followed_with_warnings(fresh: Sandbox) -> None:
    """Flows republished since the last build: the run warns, reads what runs now, and says what moved."""
    sb = fresh
    action_id = consumed(sb, "DATAACTION")
    moved_id, old = next(
        (f, v) for f, v, via, s in consumers(sb, action_id) if s == "published"
    )
    other_id = next(
        f.id
        for f in sb.flows.values()
        if f.published_version and f.id not in {c[0] for c in consumers(sb, action_id)}
    )
    other = sb.flows[other_id]
    # The other flow's calls are known to the index; now it also calls the action.
    other_calls = {
        aid
        for (_via, aid), entries in sb.dependencies.items()
        if any(f == other_id and s == "published" for f, _v, s in entries)
    }
    document = copy.deepcopy(other.documents[str(other.published_version)])
    document["flowSequenceItemList"][0]["actionList"].append(
        call_step(action_id, use_suggested=False, text="P0D0H0M4S0F", name="Added")
    )
    newer = republish(sb, other_id, document)
    republish(
        sb, moved_id, {"name": sb.flows[moved_id].name, "flowSequenceItemList": []}
    )
    sb.dependency_build_status = "OPERATIONALNEEDSREBUILD"

    impact = find_overrides(in_process_session(sb), [action_id, *other_calls])
    warnings = impact[action_id].warnings

    assert (False, "OPERATIONALNEEDSREBUILD") == (
        impact.scanned,
        impact.dependency_status,
    )
    assert "OPERATIONALNEEDSREBUILD" in impact.warnings[0]
    assert impact.warnings[0] in warnings
    assert moved_id not in {s.flow_id for s in impact[action_id].steps}
    assert any(f"lists version {old} but version" in w for w in warnings)
    assert any("no step calling it was found" in w for w in warnings)
    assert [(other_id, newer, 4.0)] == [
        (s.flow_id, s.flow_version, s.timeout_seconds)
        for s in impact[action_id].overrides
        if s.step_name == "Added"
    ]
    assert any(
        f"in version {newer} but dependency tracking does not list it" in w
        for w in warnings
    )


UNPARSEABLE = [
    "Flow.Timeout * 2",
    "MakeDuration(0,0,ToInt(Flow.delay),0,0)",
    "P1M",
    "ToDuration(Flow.SlowTimeout)",
]


def test_unparseable_timeouts_are_reported_as_expressions(fresh: Sandbox) -> None:
    """Timeouts that are not literals come back as their text, and never as a lowest override."""
    sb = fresh
    action_id = consumed(sb, "DATAACTION")
    flow_id = next(f for f, *_ in consumers(sb, action_id))
    steps = [
        call_step(action_id, use_suggested=False, text=text, name=f"Step {n}")
        for n, text in enumerate(UNPARSEABLE)
    ]
    document = {
        "name": sb.flows[flow_id].name,
        "flowSequenceItemList": [
            {"__type": "Task", "name": "Odd timeouts", "actionList": steps}
        ],
    }
    republish(sb, flow_id, document)

    impact = find_overrides(in_process_session(sb), [action_id], scan_all=True)[
        action_id
    ]
    mine = [s for s in impact.steps if s.flow_id == flow_id]
    reasons = [why for step, why in impact.flows_ignoring(10) if step in mine]

    assert [(None, text) for text in UNPARSEABLE] == [
        (s.timeout_seconds, s.expression) for s in mine
    ]
    assert all(
        f"from the expression {t}," in r
        for t, r in zip(UNPARSEABLE, reasons, strict=True)
    )
    assert None is attrs.evolve(impact, steps=tuple(mine)).lowest_override_seconds


def test_empty_timeouts_are_reported_as_unreadable(
    steps: Steps, sb: Sandbox, baseline: tuple[FlowImpact, Counter[str], Counter[str]]
) -> None:
    """Exactly the overriding steps whose timeout is empty are reported as unreadable."""
    impact = baseline[0]
    empty = {
        step["id"]
        for aid in impact
        for _flow, step in steps.get(aid, [])
        if step["useSuggestedTimeout"] is False and step["timeout"]["text"] == ""
    }

    assert empty
    assert empty == {s.step_id for aid in impact for s in impact[aid].unreadable}


def test_flows_ignoring_explains_each_override(
    baseline: tuple[FlowImpact, Counter[str], Counter[str]],
) -> None:
    """Each overriding step gets one line naming its flow, its path and its own timeout."""
    impact = baseline[0]
    lines = [why for aid in impact for _, why in impact.flows_ignoring(aid, 10)]

    assert lines
    assert all("\n" not in line and "' \u203a " in line for line in lines)
    assert any(
        re.search(r"sets its own [\d.]+ s timeout, not the new 10 s$", line)
        for line in lines
    )


def test_impact_is_json_ready(
    baseline: tuple[FlowImpact, Counter[str], Counter[str]],
) -> None:
    """to_dict gives plain JSON with the audit columns for every action."""
    impact = baseline[0]
    data = json.loads(json.dumps(impact.to_dict()))
    rows = data["actions"].values()

    assert all(
        {
            "flows_using",
            "flows_overriding",
            "flows_checked_in_only",
            "lowest_override_seconds",
            "steps",
            "warnings",
        }
        <= set(row)
        for row in rows
    )
    assert {len(impact)} == {len(data["actions"])}


def test_no_actions_costs_nothing(sb: Sandbox, session: Session) -> None:
    """An empty selection makes no platform call at all."""
    impact, calls = counted(sb, lambda: find_overrides(session, []))

    assert (0, Counter()) == (len(impact), calls)
