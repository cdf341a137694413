"""Writes to actions and drafts: versions, conflicts, validation and quirks."""

from __future__ import annotations

from typing import Any

import pytest

from genesys_timeouts.sandbox import Sandbox
from tests.sandbox.sandbox_helpers import Raw, custom_ids

ACTIONS = "/api/v2/integrations/actions"

BAD_TIMEOUTS = [
    pytest.param(0, id="zero"),
    pytest.param(61, id="sixty-one"),
    pytest.param(-5, id="negative"),
    pytest.param("ten", id="string"),
    pytest.param("10", id="numeric-string"),
    pytest.param(10.5, id="float"),
    pytest.param(True, id="bool"),
    pytest.param([10], id="list"),
]

GOOD_TIMEOUTS = [1, 10, 60]


def _full_body(raw: Raw, action_id: str, **changes: Any) -> dict[str, Any]:
    action = raw.get(f"{ACTIONS}/{action_id}", includeConfig=True).json
    assert action is not None
    body = {k: action[k] for k in ("name", "category", "config", "version")}
    body.update(changes)
    return body


@pytest.mark.parametrize("timeout", GOOD_TIMEOUTS)
def test_patch_sets_timeout_and_bumps_version(
    sb: Sandbox, raw: Raw, timeout: int
) -> None:
    """A PATCH with the current version and a valid timeout stores it and adds one to the version."""
    action_id = next(custom_ids(sb))
    before = sb.actions[action_id]
    body = _full_body(raw, action_id)
    body["config"]["timeoutSeconds"] = timeout

    response = raw.call("PATCH", f"{ACTIONS}/{action_id}", body)

    assert response.status_code == 200
    assert response.json["version"] == before["version"] + 1  # type: ignore[index]
    assert sb.actions[action_id]["config"]["timeoutSeconds"] == timeout
    assert sb.actions[action_id]["config"]["request"] == before["config"]["request"]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS)
def test_patch_refuses_invalid_timeout(sb: Sandbox, raw: Raw, timeout: Any) -> None:
    """A timeout that is not an integer from 1 to 60 gets 400 invalid.value and changes nothing."""
    action_id = next(custom_ids(sb))
    before = sb.actions[action_id]
    body = _full_body(raw, action_id)
    body["config"]["timeoutSeconds"] = timeout

    response = raw.call("PATCH", f"{ACTIONS}/{action_id}", body)

    assert response.status_code == 400
    assert response.json["code"] == "invalid.value"  # type: ignore[index]
    assert sb.actions[action_id] is before


CONFLICT_STYLES = [
    pytest.param("409", 409, "conflict", "was modified", id="409"),
    pytest.param("400", 400, "bad.request", "does not match", id="400"),
]


@pytest.mark.parametrize(("style", "status", "code", "says"), CONFLICT_STYLES)
@pytest.mark.parametrize("target", ["", "/draft"])
def test_stale_version_is_a_conflict(
    sb: Sandbox, raw: Raw, style: str, status: int, code: str, says: str, target: str
) -> None:
    """A PATCH of an action or draft based on a version another admin replaced fails in the configured style."""
    sb.conflict_style = style
    drafted = (i for i in sb.drafts if i in sb.actions)
    action_id = next(drafted) if target else next(custom_ids(sb))
    body = _full_body(raw, action_id)
    edit = sb.edit_draft if target else sb.edit_action
    edited = edit(action_id, lambda a: a["config"].update(timeoutSeconds=7))
    body["version"] = edited["version"] - 1

    response = raw.call("PATCH", f"{ACTIONS}/{action_id}{target}", body)

    assert response.status_code == status
    assert response.json["code"] == code  # type: ignore[index]
    assert says in response.json["message"]  # type: ignore[index]
    stored = sb.drafts if target else sb.actions
    assert stored[action_id] == edited


def test_missing_version_is_refused(sb: Sandbox, raw: Raw) -> None:
    """A PATCH without a version gets 400."""
    action_id = next(custom_ids(sb))
    body = _full_body(raw, action_id)
    del body["version"]

    assert raw.call("PATCH", f"{ACTIONS}/{action_id}", body).status_code == 400


def test_partial_config_wipes_the_rest(sb: Sandbox, raw: Raw) -> None:
    """A config holding only timeoutSeconds replaces the whole config, losing request and response."""
    action_id = next(custom_ids(sb))
    version = sb.actions[action_id]["version"]

    response = raw.call(
        "PATCH",
        f"{ACTIONS}/{action_id}",
        {"config": {"timeoutSeconds": 10}, "version": version},
    )

    assert response.status_code == 200
    assert sb.actions[action_id]["config"] == {"timeoutSeconds": 10}
    test = raw.call("POST", f"{ACTIONS}/{action_id}/test", {})
    assert test.json["success"] is False  # type: ignore[index]


def test_config_without_timeout_clears_it(sb: Sandbox, raw: Raw) -> None:
    """Writing a config that leaves timeoutSeconds out sets the action back to the default."""
    action_id = next(custom_ids(sb, timeout=3))
    body = _full_body(raw, action_id)
    del body["config"]["timeoutSeconds"]

    assert raw.call("PATCH", f"{ACTIONS}/{action_id}", body).status_code == 200
    assert "timeoutSeconds" not in sb.actions[action_id]["config"]


def test_unknown_config_keys_are_dropped(sb: Sandbox, raw: Raw) -> None:
    """A misspelt key such as config.timeout is dropped silently, as the platform's binding does."""
    action_id = next(custom_ids(sb, timeout=3))
    body = _full_body(raw, action_id)
    body["config"]["timeout"] = 10

    assert raw.call("PATCH", f"{ACTIONS}/{action_id}", body).status_code == 200
    assert "timeout" not in sb.actions[action_id]["config"]
    assert sb.actions[action_id]["config"]["timeoutSeconds"] == 3


STATIC_WRITES = [
    pytest.param("PATCH", "", id="patch-action"),
    pytest.param("POST", "/draft", id="create-draft"),
    pytest.param("PATCH", "/draft", id="patch-draft"),
    pytest.param("DELETE", "/draft", id="delete-draft"),
    pytest.param("POST", "/draft/publish", id="publish-draft"),
]


@pytest.mark.parametrize(("method", "suffix"), STATIC_WRITES)
def test_static_actions_refuse_every_write(
    sb: Sandbox, raw: Raw, method: str, suffix: str
) -> None:
    """Every write to a static action, draft writes included, gets 400 naming it static and changes nothing."""
    action_id = next(i for i in sb.actions if i.startswith("static_-_"))
    before = sb.actions[action_id]
    body = _full_body(raw, action_id)
    body["config"]["timeoutSeconds"] = 10

    response = raw.call(method, f"{ACTIONS}/{action_id}{suffix}", body)

    assert response.status_code == 400
    assert "static" in response.json["message"]  # type: ignore[index]
    assert sb.actions[action_id] is before
    assert action_id not in sb.drafts


def test_custom_auth_refuses_timeout(sb: Sandbox, raw: Raw) -> None:
    """A custom-authentication action refuses any timeoutSeconds."""
    action_id = next(i for i in sb.actions if i.startswith("customAuth_-_"))
    body = _full_body(raw, action_id)
    body["config"]["timeoutSeconds"] = 10

    response = raw.call("PATCH", f"{ACTIONS}/{action_id}", body)

    assert response.status_code == 400
    assert "custom authentication" in response.json["message"]  # type: ignore[index]


def test_unknown_action_is_404(raw: Raw) -> None:
    """Reading or writing an action that does not exist gets 404 not.found."""
    missing = f"{ACTIONS}/custom_-_00000000-0000-4000-8000-000000000000"

    assert raw.get(missing).status_code == 404
    assert raw.call("PATCH", missing, {"version": 1}).json["code"] == "not.found"  # type: ignore[index]


def test_draft_lifecycle(sb: Sandbox, raw: Raw) -> None:
    """Create, edit, validate and publish a draft; publishing replaces the action and removes the draft."""
    action_id = next(i for i in custom_ids(sb) if i not in sb.drafts)
    published_version = sb.actions[action_id]["version"]

    created = raw.call("POST", f"{ACTIONS}/{action_id}/draft")
    again = raw.call("POST", f"{ACTIONS}/{action_id}/draft")
    draft = created.json
    assert draft is not None
    config = dict(draft["config"], timeoutSeconds=25)
    patched = raw.call(
        "PATCH",
        f"{ACTIONS}/{action_id}/draft",
        {"config": config, "version": draft["version"]},
    )
    validation = raw.get(f"{ACTIONS}/{action_id}/draft/validation")
    stale = raw.call(
        "POST", f"{ACTIONS}/{action_id}/draft/publish", {"version": draft["version"]}
    )
    published = raw.call(
        "POST",
        f"{ACTIONS}/{action_id}/draft/publish",
        {"version": draft["version"] + 1},
    )

    assert (created.status_code, again.status_code, patched.status_code) == (
        200,
        400,
        200,
    )
    assert validation.json == {"valid": True, "errors": []}
    assert stale.status_code == 400
    assert "does not match latest draft version" in stale.json["message"]  # type: ignore[index]
    assert published.status_code == 200
    assert sb.actions[action_id]["version"] == published_version + 1
    assert sb.actions[action_id]["config"]["timeoutSeconds"] == 25
    assert action_id not in sb.drafts


def test_invalid_draft_cannot_publish(sb: Sandbox, raw: Raw) -> None:
    """A draft whose config lost its request fails validation and cannot be published."""
    action_id = next(iter(sb.drafts))
    version = sb.drafts[action_id]["version"]
    raw.call(
        "PATCH",
        f"{ACTIONS}/{action_id}/draft",
        {"config": {"timeoutSeconds": 5}, "version": version},
    )

    validation = raw.get(f"{ACTIONS}/{action_id}/draft/validation").json
    publish = raw.call(
        "POST", f"{ACTIONS}/{action_id}/draft/publish", {"version": version + 1}
    )

    assert validation is not None
    assert validation["valid"] is False
    assert publish.status_code == 400


def test_delete_draft(sb: Sandbox, raw: Raw) -> None:
    """Deleting a draft answers 204 and removes it; a second delete is 404."""
    action_id = next(iter(sb.drafts))

    first = raw.call("DELETE", f"{ACTIONS}/{action_id}/draft")
    second = raw.call("DELETE", f"{ACTIONS}/{action_id}/draft")

    assert (first.status_code, second.status_code) == (204, 404)
    assert action_id not in sb.drafts


def test_edit_draft_needs_a_draft(sb: Sandbox) -> None:
    """edit_draft raises KeyError for an action without a draft."""
    action_id = next(i for i in sb.actions if i not in sb.drafts)

    with pytest.raises(KeyError):
        sb.edit_draft(action_id, lambda d: None)


def test_test_run_succeeds_for_intact_action(sb: Sandbox, raw: Raw) -> None:
    """Testing an intact action with its required inputs succeeds with an output."""
    action_id = next(custom_ids(sb))
    schema = sb.actions[action_id]["contract"]["input"]["inputSchema"]
    body = dict.fromkeys(schema.get("required", []), "x")

    result = raw.call("POST", f"{ACTIONS}/{action_id}/test", body).json

    assert result is not None
    assert result["success"] is True
    assert "finalResult" in result


def test_draft_test_runs_the_draft(sb: Sandbox, raw: Raw) -> None:
    """Testing a draft runs the draft, not the published action: a broken draft fails while the action passes."""
    action_id = next(i for i in custom_ids(sb) if i not in sb.drafts)
    created = raw.call("POST", f"{ACTIONS}/{action_id}/draft").json
    assert created is not None
    raw.call(
        "PATCH",
        f"{ACTIONS}/{action_id}/draft",
        {"config": {"timeoutSeconds": 5}, "version": created["version"]},
    )
    schema = sb.actions[action_id]["contract"]["input"]["inputSchema"]
    body = dict.fromkeys(schema.get("required", []), "x")

    draft_run = raw.call("POST", f"{ACTIONS}/{action_id}/draft/test", body).json
    action_run = raw.call("POST", f"{ACTIONS}/{action_id}/test", body).json

    assert draft_run is not None
    assert action_run is not None
    assert (draft_run["success"], action_run["success"]) == (False, True)
