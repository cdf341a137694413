"""Writes to actions and drafts, with the platform's checks and quirks."""

from __future__ import annotations

import copy
from typing import Any

from ._errors import ApiError
from ._state import OrgState
from ._validate import (
    CUSTOM_AUTH_PREFIX,
    STATIC_PREFIX,
    check_version,
    clean_config,
    clean_contract,
    require_object,
    require_version,
    validation_errors,
)

__all__ = [
    "create_draft",
    "delete_draft",
    "get_action",
    "get_draft",
    "patch_action",
    "patch_draft",
    "publish_draft",
]

Json = dict[str, Any]


def get_action(state: OrgState, action_id: str) -> Json:
    """The published action, or 404."""
    action = state.actions.get(action_id)
    if action is None:
        msg = f"Unable to find action with id {action_id}."
        raise ApiError(404, msg, code="not.found", entity_id=action_id)

    return action


def get_draft(state: OrgState, action_id: str) -> Json:
    """The action's draft, or 404."""
    draft = state.drafts.get(action_id)
    if draft is None:
        msg = f"Unable to find a draft for action with id {action_id}."
        raise ApiError(404, msg, code="not.found", entity_id=action_id)

    return draft


def _refuse_static(action_id: str) -> None:
    # The reading chosen for static actions: 400, not 403, because the client
    # is allowed to edit actions in general; this one belongs to Genesys.
    # Every write says so, draft writes included, before any 404 for a
    # draft that cannot exist.
    if action_id.startswith(STATIC_PREFIX):
        msg = (
            f"Action {action_id} is a static action provided by its integration "
            "and cannot be modified."
        )
        raise ApiError(400, msg, code="bad.request", entity_id=action_id)


def _apply_common(target: Json, body: Json, action_id: str) -> None:
    custom_auth = action_id.startswith(CUSTOM_AUTH_PREFIX)
    for key in ("name", "category"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            msg = f"{key} must be a non-empty string."
            raise ApiError(400, msg, code="invalid.value", field=key)
    config = (
        clean_config(body["config"], custom_auth=custom_auth)
        if body.get("config") is not None
        else None
    )
    for key in ("name", "category"):
        if body.get(key) is not None:
            target[key] = body[key]
    if config is not None:
        target["config"] = config


def patch_action(state: OrgState, action_id: str, body: Any) -> Json:
    """PATCH a published action: name, category and config, whole-config replace."""
    action = get_action(state, action_id)
    _refuse_static(action_id)
    body = require_object(body, "an action update")
    supplied = require_version(body)
    check_version(supplied, action["version"], state.conflict_style, action_id)
    updated = copy.deepcopy(action)
    _apply_common(updated, body, action_id)
    updated["version"] = action["version"] + 1
    state.actions[action_id] = updated

    return updated


def create_draft(state: OrgState, action_id: str) -> Json:
    """POST .../draft: a draft copied from the published action."""
    action = get_action(state, action_id)
    _refuse_static(action_id)
    if action_id in state.drafts:
        msg = f"Action {action_id} already has a draft; edit or delete it first."
        raise ApiError(400, msg, code="bad.request", entity_id=action_id)
    draft = copy.deepcopy(action)
    draft["version"] = 1
    draft["selfUri"] = f"/api/v2/integrations/actions/{action_id}/draft"
    state.drafts[action_id] = draft

    return draft


def patch_draft(state: OrgState, action_id: str, body: Any) -> Json:
    """PATCH a draft: like the action, plus contract and secure."""
    _refuse_static(action_id)
    draft = get_draft(state, action_id)
    body = require_object(body, "a draft update")
    supplied = require_version(body)
    check_version(supplied, draft["version"], state.conflict_style, action_id)
    updated = copy.deepcopy(draft)
    _apply_common(updated, body, action_id)
    if body.get("contract") is not None:
        updated["contract"] = clean_contract(body["contract"])
    if body.get("secure") is not None:
        if not isinstance(body["secure"], bool):
            raise ApiError(
                400,
                "secure must be true or false.",
                code="invalid.value",
                field="secure",
            )
        updated["secure"] = body["secure"]
    updated["version"] = draft["version"] + 1
    state.drafts[action_id] = updated

    return updated


def delete_draft(state: OrgState, action_id: str) -> None:
    """DELETE a draft."""
    _refuse_static(action_id)
    get_draft(state, action_id)
    del state.drafts[action_id]


def publish_draft(state: OrgState, action_id: str, body: Any) -> Json:
    """Publish a draft: it replaces the published action, which gains a version."""
    _refuse_static(action_id)
    draft = get_draft(state, action_id)
    body = require_object(body, "a draft publish")
    supplied = require_version(body)
    if supplied != draft["version"]:
        # Publishing always reports a stale version as 400, whatever PATCH does.
        msg = f"Supplied version {supplied} does not match latest draft version {draft['version']}."
        params = {"supplied": str(supplied), "current": str(draft["version"])}
        raise ApiError(400, msg, code="bad.request", params=params, entity_id=action_id)
    problems = validation_errors(draft)
    if problems:
        msg = f"The draft of action {action_id} is not valid: {' '.join(problems)}"
        raise ApiError(400, msg, code="bad.request", entity_id=action_id)
    previous = state.actions.get(action_id)
    published = copy.deepcopy(draft)
    published["version"] = previous["version"] + 1 if previous else 1
    published["selfUri"] = f"/api/v2/integrations/actions/{action_id}"
    state.actions[action_id] = published
    del state.drafts[action_id]

    return published
