"""Planning a bulk change: pure logic, checked with hypothesis and case tables."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genesys_timeouts import (
    ActionKind,
    DataAction,
    InvalidInputError,
    InvalidTimeoutError,
)
from genesys_timeouts._plan import (
    Plan,
    PlannedChange,
    Selection,
    SkipReason,
    plan_timeouts,
)


def action(
    id: str = "custom_-_a",
    *,
    name: str = "A",
    timeout: int | None = 10,
    kind: ActionKind = ActionKind.STANDARD,
    version: int = 3,
    has_draft: bool = False,
) -> DataAction:
    """A data action as the listing would give it."""
    return DataAction(
        id=id,
        name=name,
        version=version,
        kind=kind,
        timeout_seconds=timeout,
        has_draft=has_draft,
    )


actions_strategy = st.lists(
    st.builds(
        action,
        id=st.uuids().map(lambda u: f"custom_-_{u}"),
        name=st.sampled_from(["Get Queue", "get queue", "Send SMS", "Ärger", ""]),
        timeout=st.none() | st.integers(1, 60),
        kind=st.sampled_from(list(ActionKind)),
        version=st.integers(1, 50),
        has_draft=st.booleans(),
    ),
    max_size=30,
    unique_by=lambda a: a.id,
)

selection_strategy = st.none() | st.builds(
    Selection,
    name_contains=st.none() | st.sampled_from(["queue", "SMS", "x"]),
    timeout_equals=st.none() | st.integers(1, 60),
    timeout_below=st.none() | st.integers(2, 61),
    timeout_unset=st.booleans(),
)


@given(actions_strategy, st.integers(1, 60), selection_strategy)
def test_every_action_is_exactly_one_change_or_skip(
    actions: list[DataAction], to: int, where: Selection | None
) -> None:
    """Each action given appears once, as a change or as a skip, never both."""
    plan = plan_timeouts(actions, to=to, where=where)

    listed = [c.action_id for c in plan.changes] + [s.action_id for s in plan.skips]
    assert sorted(listed) == sorted(a.id for a in actions)


@given(actions_strategy, st.integers(1, 60), selection_strategy, st.randoms())
def test_order_does_not_depend_on_input_order(
    actions: list[DataAction], to: int, where: Selection | None, rng: random.Random
) -> None:
    """Shuffling the input gives the same plan, sorted by name then id."""
    shuffled = list(actions)
    rng.shuffle(shuffled)

    plan = plan_timeouts(actions, to=to, where=where)

    assert plan == plan_timeouts(shuffled, to=to, where=where)
    keys = [(c.name.casefold(), c.action_id) for c in plan.changes]
    assert keys == sorted(keys)


@given(actions_strategy, st.integers(1, 60), selection_strategy)
def test_json_round_trip(
    actions: list[DataAction], to: int, where: Selection | None
) -> None:
    """A plan written as JSON reads back equal."""
    plan = plan_timeouts(actions, to=to, where=where)

    assert Plan.from_json(plan.to_json()) == plan


@given(actions_strategy, st.integers(1, 60))
def test_changes_only_editable_actions_off_target(
    actions: list[DataAction], to: int
) -> None:
    """A change is never planned for a static or custom-auth action or one already at the target."""
    plan = plan_timeouts(actions, to=to)
    by_id = {a.id: a for a in actions}

    for change in plan.changes:
        planned = by_id[change.action_id]
        assert planned.editable
        assert planned.effective_timeout_seconds != to
        assert (change.from_seconds, change.version) == (
            planned.timeout_seconds,
            planned.version,
        )


SKIP_CASES = [
    pytest.param(
        action(kind=ActionKind.STATIC, id="static_-_x"),
        None,
        SkipReason.STATIC,
        id="static",
    ),
    pytest.param(
        action(kind=ActionKind.CUSTOM_AUTH, id="customAuth_-_x"),
        None,
        SkipReason.CUSTOM_AUTH,
        id="custom-auth",
    ),
    pytest.param(action(timeout=30), None, SkipReason.AT_TARGET, id="at-target"),
    pytest.param(
        action(name="Send SMS"),
        Selection(name_contains="queue"),
        SkipReason.NOT_SELECTED,
        id="name",
    ),
    pytest.param(
        action(timeout=10),
        Selection(timeout_equals=5),
        SkipReason.NOT_SELECTED,
        id="equals",
    ),
    pytest.param(
        action(timeout=10),
        Selection(timeout_unset=True),
        SkipReason.NOT_SELECTED,
        id="unset",
    ),
    pytest.param(
        action(timeout=None),
        Selection(timeout_below=60),
        SkipReason.NOT_SELECTED,
        id="below",
    ),
    pytest.param(
        action(), Selection(ids=["custom_-_b"]), SkipReason.NOT_SELECTED, id="ids"
    ),
]


@pytest.mark.parametrize(("given_action", "where", "reason"), SKIP_CASES)
def test_skip_reasons(
    given_action: DataAction, where: Selection | None, reason: SkipReason
) -> None:
    """Each kind of action that must not change is skipped with its reason."""
    plan = plan_timeouts([given_action], to=30, where=where)

    assert [s.reason for s in plan.skips] == [reason]
    assert plan.changes == ()


def test_unset_is_already_at_a_target_of_sixty() -> None:
    """An unset timeout already means 60 s, so a target of 60 writes nothing."""
    plan = plan_timeouts([action(timeout=None)], to=60)

    assert [s.reason for s in plan.skips] == [SkipReason.AT_TARGET]


WARNING_CASES = [
    pytest.param(action(timeout=None), "lower than", id="lower"),
    pytest.param(action(kind=ActionKind.FUNCTION), "function", id="function"),
    pytest.param(action(has_draft=True), "unpublished draft", id="draft"),
]


@pytest.mark.parametrize(("given_action", "phrase"), WARNING_CASES)
def test_warnings(given_action: DataAction, phrase: str) -> None:
    """A lower value, a function action and a pending draft are warned about."""
    plan = plan_timeouts([given_action], to=30)

    assert any(phrase in w for w in plan.warnings)


def test_pending_drafts_are_listed_and_described() -> None:
    """The plan names each change whose action has a pending draft."""
    plan = plan_timeouts(
        [action(has_draft=True), action("custom_-_b", name="B")], to=30
    )

    assert [c.action_id for c in plan.drafts] == ["custom_-_a"]
    assert "pending draft" in str(plan)


def test_describe_is_readable() -> None:
    """The description counts changes and skips and names each change."""
    plan = plan_timeouts(
        [action(), action("static_-_s", name="S", kind=ActionKind.STATIC)], to=30
    )

    text = plan.describe(verbose=True)

    assert text.startswith("Set the timeout to 30 s on 1 of 2 actions")
    assert "A (custom_-_a): 10 s -> 30 s, version 3" in text
    assert "1 static" in text


@pytest.mark.parametrize("to", [0, 61, True, "30", None])
def test_invalid_target_is_refused(to: Any) -> None:
    """A target outside 1 to 60 seconds is refused before anything is planned."""
    with pytest.raises(InvalidTimeoutError):
        plan_timeouts([action()], to=to)


def _document(**changes: Any) -> str:
    document = plan_timeouts(
        [action(), action("static_-_s", kind=ActionKind.STATIC)], to=30
    ).to_dict()
    document.update(changes)
    return json.dumps(document)


MALFORMED = [
    pytest.param("{not json", "not valid JSON", id="not-json"),
    pytest.param("[]", "must be an object", id="list"),
    pytest.param(_document(format="other/thing"), "format", id="foreign"),
    pytest.param(_document(format_version=9), "format version", id="version"),
    pytest.param(_document(to_seconds=99), "to_seconds", id="target"),
    pytest.param(_document(changes="x"), "changes must be a list", id="changes-type"),
    pytest.param(
        _document(changes=[{"action_id": "x"}]), "change 1 lacks", id="change-missing"
    ),
    pytest.param(
        _document(
            changes=[
                {
                    **PlannedChange(
                        action_id="x",
                        name="X",
                        from_seconds=1,
                        to_seconds=30,
                        version=1,
                    ).to_dict(),
                    "version": 0,
                }
            ]
        ),
        "version",
        id="change-version",
    ),
    pytest.param(
        _document(skips=[{"action_id": "s", "name": "S", "reason": "bored"}]),
        "skip 1",
        id="skip-reason",
    ),
    pytest.param(
        _document(selection={"colour": "red"}), "selection", id="selection-key"
    ),
]


@pytest.mark.parametrize(("text", "phrase"), MALFORMED)
def test_malformed_plan_file_is_refused_clearly(text: str, phrase: str) -> None:
    """A damaged or foreign plan file raises InvalidInputError saying what is wrong."""
    with pytest.raises(
        InvalidInputError, match=r"not (a usable genesys-timeouts plan|valid JSON)"
    ) as info:
        Plan.from_json(text)

    assert phrase in str(info.value)


def test_duplicate_action_is_refused() -> None:
    """An action listed twice cannot make a plan."""
    with pytest.raises(InvalidInputError, match="twice"):
        plan_timeouts([action(), action()], to=30)


BAD_TARGETS = [
    pytest.param(61, id="61"),
    pytest.param("ten", id="ten"),
    pytest.param(0, id="zero"),
    pytest.param(30.0, id="float"),
    pytest.param(True, id="bool"),
]


@pytest.mark.parametrize("value", BAD_TARGETS)
def test_a_plan_file_with_a_bad_timeout_is_refused(value: Any) -> None:
    """A plan file whose target, or a change's target, is not 1 to 60 whole seconds is refused in one paragraph."""
    good = json.loads(_document())
    for document in (
        {**good, "to_seconds": value},
        {**good, "changes": [{**good["changes"][0], "to_seconds": value}]},
    ):
        with pytest.raises(
            InvalidInputError, match="not a usable genesys-timeouts plan"
        ) as info:
            Plan.from_json(json.dumps(document))

        assert "\n" not in str(info.value)
        assert "to_seconds" in str(info.value)


@pytest.mark.parametrize("action_id", ["static_-_sf-lookup", "customAuth_-_abc"])
def test_a_plan_file_changing_a_fixed_action_is_refused(action_id: str) -> None:
    """A hand-edited plan that changes a static or custom-authentication action is refused."""
    good = json.loads(_document())
    document = {**good, "changes": [{**good["changes"][0], "action_id": action_id}]}

    with pytest.raises(InvalidInputError, match="cannot be changed"):
        Plan.from_json(json.dumps(document))


def test_a_truncated_plan_file_is_refused() -> None:
    """A plan file cut short is refused as invalid JSON, in one paragraph."""
    text = _document()

    with pytest.raises(InvalidInputError, match="not valid JSON") as info:
        Plan.from_json(text[: len(text) // 2])

    assert "\n" not in str(info.value)
