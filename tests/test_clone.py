"""Write bodies keep every key of the object and change only the timeout."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from genesys_timeouts._clone import (
    action_patch_body,
    differences,
    draft_patch_body,
    timeout_of,
)

ACTION: dict[str, Any] = {
    "id": "custom_-_a",
    "name": "Get customer",
    "category": "Web Services",
    "integrationId": "i-1",
    "version": 4,
    "secure": False,
    "contract": {"input": {"inputSchema": {"type": "object"}}},
    "config": {
        "timeoutSeconds": 3,
        "request": {
            "requestUrlTemplate": "https://x/${input.id}",
            "requestType": "GET",
            "headers": {"A": "b"},
        },
        "response": {
            "translationMap": {"n": "$.name"},
            "successTemplate": "${rawResult}",
        },
        "futureKey": {"kept": True},
    },
}


def test_patch_body_changes_only_the_timeout() -> None:
    """The body holds the whole config, unknown keys included, with the new timeout."""
    body = action_patch_body(ACTION, 10, 4)
    expected = copy.deepcopy(ACTION["config"])
    expected["timeoutSeconds"] = 10

    assert {
        "name": "Get customer",
        "category": "Web Services",
        "config": expected,
        "version": 4,
    } == body


def test_patch_body_does_not_touch_the_source() -> None:
    """Building a body leaves the before-image as it was."""
    before = copy.deepcopy(ACTION)
    action_patch_body(ACTION, 10, 4)

    assert before == ACTION


def test_unset_removes_the_key() -> None:
    """Writing None back produces a whole config without timeoutSeconds."""
    body = action_patch_body(ACTION, None, 4)

    assert "timeoutSeconds" not in body["config"]
    assert body["config"]["request"] == ACTION["config"]["request"]


def test_draft_body_carries_contract_and_draft_version() -> None:
    """A draft body keeps the contract and secure flag and uses the draft's version."""
    body = draft_patch_body({**ACTION, "version": 9}, 15)

    assert (9, ACTION["contract"], False, 15) == (
        body["version"],
        body["contract"],
        body["secure"],
        timeout_of(body),
    )


def test_differences_ignore_timeout_and_version() -> None:
    """Only what changed besides the timeout and version is reported."""
    after = copy.deepcopy(ACTION)
    after["version"] = 5
    after["config"]["timeoutSeconds"] = 10
    after["config"]["request"]["headers"]["A"] = "changed"
    del after["config"]["futureKey"]

    assert ("config.futureKey", "config.request.headers.A") == differences(
        ACTION, after
    )


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=5), st.integers() | st.text(max_size=5), max_size=5
    )
)
def test_any_extra_config_survives(extra: dict[str, Any]) -> None:
    """Whatever else the config holds comes back unchanged in the body."""
    raw = {**ACTION, "config": {**extra, "timeoutSeconds": 3}}
    body = action_patch_body(raw, 30, 1)

    assert () == differences(raw, {**raw, "config": body["config"]})
