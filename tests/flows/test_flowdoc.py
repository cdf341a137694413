"""Durations and data-action calls are read from flow documents without guessing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genesys_timeouts._flowdoc import (
    Duration,
    find_calls,
    parse_duration,
    parse_timeout,
)

DATA = Path(__file__).parent / "data"
CORPUS = sorted(DATA.glob("*.decoded.json"))

ACTION = "custom_-_5b8e6a1e-0000-4000-8000-000000000001"
SECURE = "custom_-_5b8e6a1e-0000-4000-8000-000000000002"
OTHER = "custom_-_5b8e6a1e-0000-4000-8000-000000000003"

LITERALS = [
    ("P0D0H1M0S0F", 60.0),
    ("P0D0H0M0S1500F", 1.5),
    ("P0D0H0M0S100F", 0.1),
    ("P0D0H0M40S0F", 40.0),
    ("P1D2H3M4S5F", 93784.005),
    ("P0D0H0M5S", 5.0),
    ("MakeDuration(0,0,0,5)", 5.0),
    ("MakeDuration(0, 0, 1, 2, 500)", 62.5),
    ("makeduration(0,1,0,0)", 3600.0),
    ("PT5S", 5.0),
    ("PT1M30S", 90.0),
    ("P1DT2H", 93600.0),
    ("PT0.25S", 0.25),
    ("  PT5S  ", 5.0),
]

EXPRESSIONS = [
    "Flow.DataActionTimeout",
    "MakeDuration(0,0,ToInt(Flow.delay),0,0)",
    "MakeDuration(0,0,0,-5)",
    "MakeDuration(0,0,5)",
    "P1M",
    "P1Y",
    "P",
    "PT",
    "P1DT",
    "five seconds",
    "",
]


@pytest.mark.parametrize(("text", "seconds"), LITERALS, ids=[t for t, _ in LITERALS])
def test_literal_durations_give_seconds(text: str, seconds: float) -> None:
    """Architect literals, MakeDuration of numbers and ISO-8601 give their seconds."""
    assert seconds == pytest.approx(parse_duration(text).seconds)


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_anything_else_is_an_expression_kept_as_text(text: str) -> None:
    """Variables, functions of variables, months and garbage stay expressions, never guesses."""
    duration = parse_duration(text)

    assert (None, text.strip()) == (duration.seconds, duration.expression)


TIMEOUT_SHAPES: list[tuple[str, object, Duration | None]] = [
    (
        "architect expression object",
        {
            "config": {"lit": {"pos": 1, "text": "P0D0H0M5S0F", "type": "dur"}},
            "text": "P0D0H0M5S0F",
            "type": "dur",
        },
        Duration(text="P0D0H0M5S0F", seconds=5.0),
    ),
    (
        "config only",
        {"config": {"lit": {"pos": 1, "text": "P0D0H0M5S0F", "type": "dur"}}},
        Duration(text="P0D0H0M5S0F", seconds=5.0),
    ),
    (
        "yaml minutes",
        {"lit": {"minutes": 1}},
        Duration(text="{minutes: 1}", seconds=60.0),
    ),
    (
        "yaml mixed units",
        {"lit": {"seconds": 1, "milliseconds": 500}},
        Duration(text="{seconds: 1, milliseconds: 500}", seconds=1.5),
    ),
    ("yaml literal text", {"lit": "PT3S"}, Duration(text="PT3S", seconds=3.0)),
    (
        "yaml expression",
        {"exp": "MakeDuration(0,0,ToInt(Flow.delay),0,0)"},
        Duration(text="MakeDuration(0,0,ToInt(Flow.delay),0,0)"),
    ),
    (
        "yaml MakeDuration",
        {"exp": "MakeDuration(0,0,0,8)"},
        Duration(text="MakeDuration(0,0,0,8)", seconds=8.0),
    ),
    ("expression key", {"expression": "Flow.T"}, Duration(text="Flow.T")),
    ("variable", {"var": "Task.Timeout"}, Duration(text="Task.Timeout")),
    ("plain text", "P0D0H0M3S0F", Duration(text="P0D0H0M3S0F", seconds=3.0)),
    ("bare number has no unit", 5, Duration(text="5")),
    (
        "unknown yaml unit",
        {"lit": {"fortnights": 1}},
        Duration(text='{"lit": {"fortnights": 1}}'),
    ),
    ("unknown shape", {"weird": True}, Duration(text='{"weird": true}')),
    ("absent", None, None),
    ("empty text", "  ", None),
    ("noValue", {"noValue": True}, None),
    (
        "architect empty",
        {
            "config": {"emp": {"pos": 1, "text": "", "type": "dur"}},
            "text": "",
            "type": "dur",
        },
        None,
    ),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(v, e) for _, v, e in TIMEOUT_SHAPES],
    ids=[i for i, _, _ in TIMEOUT_SHAPES],
)
def test_timeout_values_in_every_shape(
    value: object, expected: Duration | None
) -> None:
    """Each shape flows store a timeout in reads as its duration, an expression, or unset."""
    assert expected == parse_timeout(value)


units = st.integers(min_value=0, max_value=999)


@given(units, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), units)
def test_architect_literal_round_trip(d: int, h: int, m: int, s: int, ms: int) -> None:
    """A generated P<d>D<h>H<m>M<s>S<ms>F literal parses back to its seconds."""
    expected = (d * 86_400_000 + h * 3_600_000 + m * 60_000 + s * 1000 + ms) / 1000

    assert expected == parse_duration(f"P{d}D{h}H{m}M{s}S{ms}F").seconds


@given(
    units, units, units, units, st.one_of(st.none(), units), st.sampled_from(["", " "])
)
def test_make_duration_round_trip(
    d: int, h: int, m: int, s: int, ms: int | None, space: str
) -> None:
    """MakeDuration with literal numbers, with or without milliseconds, parses to its seconds."""
    args = [d, h, m, s] if ms is None else [d, h, m, s, ms]
    text = "MakeDuration(" + f",{space}".join(map(str, args)) + ")"
    expected = (
        d * 86_400_000 + h * 3_600_000 + m * 60_000 + s * 1000 + (ms or 0)
    ) / 1000

    assert expected == parse_duration(text).seconds


@given(st.lists(st.one_of(st.none(), units), min_size=4, max_size=4))
def test_iso_round_trip(parts: list[int | None]) -> None:
    """An ISO-8601 duration with any of days, hours, minutes and seconds parses to its seconds."""
    d, h, m, s = parts
    time = "".join(
        f"{v}{u}" for v, u in ((h, "H"), (m, "M"), (s, "S")) if v is not None
    )
    text = "P" + (f"{d}D" if d is not None else "") + (f"T{time}" if time else "")
    expected = (d or 0) * 86_400 + (h or 0) * 3_600 + (m or 0) * 60 + (s or 0)
    duration = parse_duration(text)

    assert (
        float(expected) if any(v is not None for v in parts) else None
    ) == duration.seconds


@given(st.text(max_size=40))
def test_any_text_keeps_its_text(text: str) -> None:
    """Whatever the text, the result keeps it and never has negative seconds."""
    duration = parse_duration(text)

    assert duration.text == text.strip()
    assert duration.seconds is None or duration.seconds >= 0


# --- the walker -------------------------------------------------------------------


def timeout(text: str) -> dict[str, Any]:
    """A timeout as Architect exports it, literal or not."""
    return {
        "config": {"lit": {"pos": 1, "text": text, "type": "dur"}},
        "text": text,
        "type": "dur",
    }


def call(
    action_id: str | None,
    *,
    use_suggested: object = True,
    text: str = "P0D0H1M0S0F",
    kind: str = "DataAction",
    name: str = "Call Data Action",
) -> dict[str, Any]:
    """A data-action step; ``None`` leaves out the action id and ``...`` the flag."""
    step: dict[str, Any] = {
        "__type": kind,
        "name": name,
        "id": f"step-{name}",
        "actionName": "A",
    }
    if action_id is not None:
        step["actionId"] = action_id
    if use_suggested is not ...:
        step["useSuggestedTimeout"] = use_suggested
    step["timeout"] = timeout(text)
    step["paths"] = [{"label": "Success", "outputId": "__SUCCESS__"}]
    return step


def container(kind: str, name: str, *actions: dict[str, Any]) -> dict[str, Any]:
    """A task, state, loop or other step that holds its own action list."""
    return {
        "__type": kind,
        "name": name,
        "id": f"id-{name}",
        "actionList": list(actions),
    }


def deep_document() -> dict[str, Any]:
    """Task > State > Menu choice > Decision path, with an override at the bottom."""
    decision = {
        "__type": "DecisionAction",
        "name": "Known caller?",
        "paths": [
            {
                "label": "Yes",
                "outputId": "__YES__",
                "actionList": [
                    call(
                        ACTION,
                        use_suggested=False,
                        text="P0D0H0M5S0F",
                        name="Get customer",
                    )
                ],
            },
            {"label": "No", "outputId": "__NO__", "actionList": [call(OTHER)]},
        ],
    }
    menu = {
        "__type": "Menu",
        "name": "Main Menu",
        "menuChoiceList": [
            {
                "name": "Billing",
                "digit": 1,
                "action": container("MenuTaskChoiceAction", "Billing", decision),
            },
        ],
    }
    state = container("State", "Lookup", menu)
    return {
        "name": "Main IVR",
        "type": "inboundcall",
        "manifest": {"dataAction": [{"id": ACTION, "name": "A", "context": []}]},
        "flowSequenceItemList": [container("Task", "Main", state)],
    }


def test_override_found_at_depth_with_its_path() -> None:
    """An override four containers deep is found with every container named on its path."""
    [found] = find_calls(deep_document(), {ACTION})

    assert (
        (
            "Task 'Main'",
            "State 'Lookup'",
            "Menu 'Main Menu'",
            "MenuTaskChoice 'Billing'",
            "Decision 'Known caller?'",
        ),
        "Get customer",
        False,
        5.0,
        None,
    ) == (
        found.path,
        found.step_name,
        found.use_suggested_timeout,
        found.timeout and found.timeout.seconds,
        found.problem,
    )


def test_only_selected_actions_are_returned() -> None:
    """Steps calling other actions and the manifest's id entries are left out."""
    assert [OTHER] == [c.action_id for c in find_calls(deep_document(), {OTHER})]


@pytest.mark.parametrize(
    "kind", ["DataActionSecure", "CallSecureDataAction", "SecureDataAction"]
)
def test_secure_calls_are_found_whatever_their_type(kind: str) -> None:
    """A secure call is found by its action id, whatever undocumented type it carries."""
    document = {
        "flowSequenceItemList": [
            container("Task", "T", call(SECURE, kind=kind, use_suggested=False))
        ]
    }
    [found] = find_calls(document, {SECURE})

    assert (kind, True) == (found.step_type, found.overrides)


def test_look_alike_steps_are_not_calls() -> None:
    """A Set Participant Data step is not a data-action call, though its type ends in DataAction."""
    document = container(
        "Task", "T", {"__type": "SetParticipantDataAction", "name": "Set"}
    )

    assert [] == find_calls(document, {ACTION})


def test_expression_timeout_is_reported_as_an_expression() -> None:
    """A timeout taken from a variable comes back as its expression text, not seconds."""
    document = container(
        "Task", "T", call(ACTION, use_suggested=False, text="Flow.DataActionTimeout")
    )
    [found] = find_calls(document, {ACTION})

    assert (True, "Flow.DataActionTimeout", None) == (
        found.overrides,
        found.timeout and found.timeout.expression,
        found.problem,
    )


UNREADABLE = [
    ("no action id", call(None), "the step names no action id"),
    ("flag missing", call(ACTION, use_suggested=...), "useSuggestedTimeout is missing"),
    (
        "flag not a bool",
        call(ACTION, use_suggested="false"),
        'useSuggestedTimeout is "false", not true or false',
    ),
    (
        "override without a timeout",
        call(ACTION, use_suggested=False, text=""),
        "the step sets its own timeout but the timeout is empty",
    ),
]


@pytest.mark.parametrize(
    ("step", "problem"),
    [(s, p) for _, s, p in UNREADABLE],
    ids=[i for i, _, _ in UNREADABLE],
)
def test_unreadable_steps_are_reported_not_guessed(
    step: dict[str, Any], problem: str
) -> None:
    """A call-like step that cannot be read is returned with the reason it cannot."""
    [found] = find_calls(container("Task", "T", step), {ACTION})

    assert problem == found.problem


def test_very_deep_documents_do_not_exhaust_the_stack() -> None:
    """A call nested thousands of levels deep is still found."""
    node: dict[str, Any] = call(ACTION)
    for level in range(5000):
        node = {"__type": "LoopAction", "actionList": [node], "level": level}

    assert 1 == len(find_calls(node, {ACTION}))


def load(path: Path) -> dict[str, Any]:
    """One decoded corpus flow document."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def manifest_steps(document: dict[str, Any]) -> dict[str, int]:
    """Action id to the number of steps the manifest says call it."""
    return {
        entry["id"]: len(entry["context"])
        for entry in document["manifest"]["dataAction"]
    }


@pytest.mark.parametrize("path", CORPUS, ids=[p.name.split(".")[0] for p in CORPUS])
def test_real_flows_match_their_manifest(path: Path) -> None:
    """In each real exported flow, the calls found are the steps its manifest lists."""
    document = load(path)
    expected = manifest_steps(document)
    calls = find_calls(document, set(expected))

    found: dict[str, int] = {}
    for found_call in calls:
        assert found_call.action_id is not None
        found[found_call.action_id] = found.get(found_call.action_id, 0) + 1
    assert expected == found


@pytest.mark.parametrize("path", CORPUS, ids=[p.name.split(".")[0] for p in CORPUS])
def test_real_flows_use_the_suggested_timeout(path: Path) -> None:
    """Every real call uses the suggested timeout and still stores one minute, read cleanly."""
    document = load(path)
    calls = find_calls(document, set(manifest_steps(document)))

    assert {(True, 60.0, None)} == {
        (c.use_suggested_timeout, c.timeout and c.timeout.seconds, c.problem)
        for c in calls
    }


def test_real_flow_locations_name_their_sequence() -> None:
    """A real call's path starts at the task that holds it."""
    document = load(DATA / "resiliency_CacheExample.i3InboundFlow.decoded.json")
    paths = {c.location for c in find_calls(document, set(manifest_steps(document)))}

    assert {"Task 'IVR cache example' \u203a 'Call Data Action'"} == paths
