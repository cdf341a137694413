"""The flow-impact values: what they say, and what they refuse to hold."""

from __future__ import annotations

from typing import Any

import pytest

from genesys_timeouts.flows import ActionImpact, FlowOverride, FlowReference, Via


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


def reference(**changes: Any) -> FlowReference:
    """'Main IVR' version 3.0 using an action, with ``changes``."""
    values: dict[str, Any] = {
        "flow_id": "f1",
        "flow_name": "Main IVR",
        "flow_type": "INBOUNDCALLFLOW",
        "flow_version": "3.0",
        "action_id": "custom_-_a",
        "via": "DATAACTION",
    }
    return FlowReference(**{**values, **changes})


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
        override(
            use_suggested_timeout=None,
            timeout_seconds=None,
            problem="useSuggestedTimeout is missing",
        ),
        "Inbound call 'Main IVR' \u203a Task 'Lookup' \u203a 'Get customer' could not be read (useSuggestedTimeout is missing); check it in Architect",
    ),
    (
        "suggested",
        override(use_suggested_timeout=True, timeout_seconds=None),
        "Inbound call 'Main IVR' \u203a Task 'Lookup' \u203a 'Get customer' uses the action's timeout",
    ),
]


@pytest.mark.parametrize(
    ("step", "reason"), [(s, r) for _, s, r in REASONS], ids=[i for i, _, _ in REASONS]
)
def test_reasons_read_as_one_line(step: FlowOverride, reason: str) -> None:
    """The reason says where the step is and which timeout it runs with."""
    assert reason == step.reason(30)


def test_lowest_override_ignores_expressions_and_suggested_steps() -> None:
    """The lowest override is the smallest literal among steps that do override."""
    impact = ActionImpact(
        action_id="custom_-_a",
        steps=(
            override(timeout_seconds=8.0),
            override(timeout_seconds=None, use_suggested_timeout=True),
            override(timeout_seconds=None, expression="Flow.T"),
            override(timeout_seconds=4.0, flow_id="f2"),
        ),
    )

    assert (4.0, 2, 3) == (
        impact.lowest_override_seconds,
        impact.flows_overriding,
        len(impact.flows_ignoring(30)),
    )


def test_counts_separate_running_and_checked_in_flows() -> None:
    """flows_using counts published consumers; checked-in-only ones are listed apart."""
    impact = ActionImpact(
        action_id="custom_-_a",
        references=(
            reference(),
            reference(flow_id="f1", flow_version="4.0", state="checkedIn"),
            reference(flow_id="f2", flow_version="2.0", state="checkedIn"),
        ),
        steps=(override(),),
    )

    assert (1, ["f2"]) == (
        impact.flows_using,
        [r.flow_id for r in impact.checked_in_only],
    )


def test_simple_forms_are_normalised() -> None:
    """Object types and states given as text become their enums; a path list a tuple."""
    step = override(path=["Task 'Main'", "Menu 'Billing'"], state="checkedIn")
    ref = reference(via="SECUREACTION")

    assert (("Task 'Main'", "Menu 'Billing'"), "checkedIn", Via.SECUREACTION) == (
        step.path,
        step.state.value,
        ref.via,
    )


INVALID_STEPS = [
    ("no flow id", {"flow_id": ""}),
    ("no action id", {"action_id": ""}),
    ("negative timeout", {"timeout_seconds": -1.0}),
    ("seconds and expression", {"expression": "Flow.T"}),
    ("suggested with its own timeout", {"use_suggested_timeout": True}),
    ("override without timeout or problem", {"timeout_seconds": None}),
    ("flag not a bool", {"use_suggested_timeout": "false"}),
    ("unknown state", {"state": "draft"}),
]


@pytest.mark.parametrize(
    "changes", [c for _, c in INVALID_STEPS], ids=[i for i, _ in INVALID_STEPS]
)
def test_invalid_steps_cannot_exist(changes: dict[str, Any]) -> None:
    """A step that would say something contradictory or empty is refused."""
    with pytest.raises((ValueError, TypeError)):
        override(**changes)


INVALID_REFERENCES = [
    ("no flow id", {"flow_id": ""}, "flow_id"),
    ("no action id", {"action_id": ""}, "action_id"),
    ("unknown type", {"via": "BRIDGEACTION"}, "BRIDGEACTION"),
    ("unknown state", {"state": "draft"}, "draft"),
]


@pytest.mark.parametrize(
    ("changes", "named"),
    [(c, n) for _, c, n in INVALID_REFERENCES],
    ids=[i for i, _, _ in INVALID_REFERENCES],
)
def test_invalid_references_cannot_exist(changes: dict[str, Any], named: str) -> None:
    """A reference names a flow and an action, under a known type and state."""
    with pytest.raises(ValueError, match=named):
        reference(**changes)
