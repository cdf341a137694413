"""The value types validate themselves and describe actions plainly."""

from __future__ import annotations

import pytest

from genesys_timeouts import DEFAULT_TIMEOUT_SECONDS, ActionKind, DataAction

KINDS = [
    ("custom_-_5b8e6a1e-0000-4000-8000-000000000001", None, ActionKind.STANDARD),
    (
        "custom_-_5b8e6a1e-0000-4000-8000-000000000001",
        "function-data-actions",
        ActionKind.FUNCTION,
    ),
    ("static_-_sfdc_getcontact", "salesforce-datadip", ActionKind.STATIC),
    (
        "customAuth_-_7c1f0b0a-1111-4222-8333-444455556666",
        "custom-rest-actions",
        ActionKind.CUSTOM_AUTH,
    ),
]


@pytest.mark.parametrize(("action_id", "integration_type", "kind"), KINDS)
def test_kind_comes_from_id_and_integration_type(
    action_id: str, integration_type: str | None, kind: ActionKind
) -> None:
    """Ids carry static and custom-auth kinds; function actions come from the integration."""
    assert kind is ActionKind.classify(action_id, integration_type)


def test_unset_timeout_is_sixty_not_zero() -> None:
    """An action with no timeout reports None and an effective 60 s."""
    action = DataAction(id="custom_-_a", name="A", version=1)

    assert (None, DEFAULT_TIMEOUT_SECONDS) == (
        action.timeout_seconds,
        action.effective_timeout_seconds,
    )


@pytest.mark.parametrize("bad", [0, 61, True, 10.5, "10"])
def test_invalid_timeout_cannot_be_built(bad: object) -> None:
    """A DataAction with an impossible timeout cannot exist."""
    with pytest.raises(ValueError, match="timeout_seconds"):
        DataAction(id="custom_-_a", name="A", version=1, timeout_seconds=bad)  # type: ignore[arg-type]  # the point of the test


@pytest.mark.parametrize(
    ("kind", "editable"),
    [(k, k not in {ActionKind.STATIC, ActionKind.CUSTOM_AUTH}) for k in ActionKind],
)
def test_editability_follows_kind(kind: ActionKind, editable: bool) -> None:
    """Static and custom-authentication actions are not editable and say why."""
    action = DataAction(id="x", name="X", version=3, kind=kind)

    assert (editable, editable) == (action.editable, action.not_editable_reason is None)


def test_repr_is_short_and_readable() -> None:
    """The repr names the fields a person looks for."""
    action = DataAction(id="custom_-_a", name="Lookup", version=2, timeout_seconds=3)

    assert "timeout_seconds=3" in repr(action)
    assert "Lookup" in repr(action)
