"""A new timeout is checked before anything is sent."""

from __future__ import annotations

import pytest

from genesys_timeouts import (
    ActionKind,
    DataAction,
    InvalidTimeoutError,
    validate_timeout,
)

STANDARD = DataAction(id="custom_-_a", name="Lookup", version=1, timeout_seconds=10)

BAD_VALUES = [
    ("ten", "not 'ten'"),
    (0, "outside"),
    (61, "outside"),
    (10.5, "not 10.5"),
    (True, "not True"),
    (None, "not None"),
    ("10", "not '10'"),
]


@pytest.mark.parametrize(
    ("value", "message"), BAD_VALUES, ids=[repr(v) for v, _ in BAD_VALUES]
)
def test_bad_values_are_refused_as_value_errors(value: object, message: str) -> None:
    """Anything but an integer from 1 to 60 raises an error that is also a ValueError."""
    with pytest.raises(ValueError, match=message) as info:
        validate_timeout(STANDARD, value)

    assert isinstance(info.value, InvalidTimeoutError)


@pytest.mark.parametrize("kind", [ActionKind.STATIC, ActionKind.CUSTOM_AUTH])
def test_uneditable_kinds_are_refused(kind: ActionKind) -> None:
    """Static and custom-authentication actions cannot take a timeout."""
    action = DataAction(id="x", name="X", version=1, kind=kind)

    with pytest.raises(InvalidTimeoutError, match="cannot be set"):
        validate_timeout(action, 10)


def test_raising_has_no_warning() -> None:
    """Raising the timeout of a plain action is silent."""
    assert () == validate_timeout(STANDARD, 30)


def test_lowering_warns() -> None:
    """Lowering is allowed, with a warning; unset counts as 60."""
    unset = DataAction(id="custom_-_b", name="B", version=1)

    (warning,) = validate_timeout(unset, 30)
    assert "lower than its current 60 s" in warning


def test_function_and_draft_warn() -> None:
    """A function action and a pending draft each add a warning."""
    action = DataAction(
        id="custom_-_f", name="F", version=1, kind=ActionKind.FUNCTION, has_draft=True
    )

    warnings = validate_timeout(action, 60)
    assert 2 == len(warnings)
    assert "1 to 15 s" in warnings[0]
    assert "draft" in warnings[1]


BOUNDS = [1, 60]


@pytest.mark.parametrize("seconds", BOUNDS)
def test_bounds_are_accepted(seconds: int) -> None:
    """1 and 60 are both valid timeouts for an action that has none set."""
    unset = DataAction(id="custom_-_c", name="C", version=1)

    warnings = validate_timeout(unset, seconds)

    assert (seconds < 60) == any("lower" in w for w in warnings)


def test_same_value_is_not_lowering() -> None:
    """Setting the current value again is not a lowering."""
    assert () == validate_timeout(STANDARD, STANDARD.effective_timeout_seconds)


@pytest.mark.parametrize("kind", [ActionKind.STATIC, ActionKind.CUSTOM_AUTH])
def test_uneditable_refusal_is_a_value_error_with_the_reason(kind: ActionKind) -> None:
    """The refusal of an uneditable kind is also a ValueError and gives the reason."""
    action = DataAction(id="x", name="X", version=1, kind=kind)

    with pytest.raises(ValueError, match="cannot be set") as info:
        validate_timeout(action, 10)

    assert str(action.not_editable_reason) in str(info.value)


def test_function_warning_alone() -> None:
    """A function action without a draft, raised, warns only about the function's own limit."""
    action = DataAction(
        id="custom_-_g",
        name="G",
        version=1,
        kind=ActionKind.FUNCTION,
        timeout_seconds=5,
    )

    (warning,) = validate_timeout(action, 10)
    assert "1 to 15 s" in warning
