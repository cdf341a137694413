"""Handlers for ``/api/v2/integrations`` and its data actions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import _writes
from ._call import Call, Result, flag, one_of
from ._errors import ApiError
from ._paging import listing, page_request
from ._state import OrgState
from ._testrun import run_test
from ._validate import CUSTOM_AUTH_PREFIX, validation_errors
from ._views import action_view

__all__ = ["ROUTES"]

Json = dict[str, Any]

#: 100 is the largest page size known to work on the platform; anything
#: bigger is refused, so a client that relies on more is caught here.
MAX_ACTION_PAGE = 100
MAX_IDS = 50
_SORT_FIELDS = ("id", "name", "category", "integrationId", "version", "secure")


def _filtered(items: Iterable[Json], query: Call) -> list[Json]:
    q = query.query
    include_auth = flag(q, "includeAuthActions")
    secure = q.get("secure")
    secure_wanted = None if secure in (None, "") else flag(q, "secure")
    category = (q.get("category") or "").lower()
    name = (q.get("name") or "").lower()
    ids: set[str] | None = None
    if q.get("ids"):
        ids = {i.strip() for i in q["ids"].split(",") if i.strip()}
        if len(ids) > MAX_IDS:
            msg = f"ids may list at most {MAX_IDS} action ids; {len(ids)} were given."
            raise ApiError(400, msg, code="invalid.value", field="ids")
    found = []
    for action in items:
        action_id = action["id"]
        if action_id.startswith(CUSTOM_AUTH_PREFIX) and not include_auth:
            continue
        if ids is not None and action_id not in ids:
            continue
        if secure_wanted is not None and bool(action.get("secure")) != secure_wanted:
            continue
        if category and str(action.get("category", "")).lower() != category:
            continue
        if name and name not in str(action.get("name", "")).lower():
            continue
        found.append(action)
    sort_by = one_of(q, "sortBy", _SORT_FIELDS)
    descending = one_of(q, "sortOrder", ("ASC", "DESC"), "ASC") == "DESC"
    if sort_by is not None:
        found.sort(key=lambda a: str(a.get(sort_by, "")).lower(), reverse=descending)
    elif descending:
        found.reverse()

    return found


def _list(state: OrgState, call: Call, source: dict[str, Json]) -> Result:
    page = page_request(call.query, max_size=MAX_ACTION_PAGE)
    include_config = flag(call.query, "includeConfig")
    items = _filtered(source.values(), call)

    def render(action: Json) -> Json:
        return action_view(
            action, include_config=include_config, include_contract=False
        )

    return 200, listing(items, page, call.path, call.query, render)


def list_actions(state: OrgState, call: Call) -> Result:
    """GET /api/v2/integrations/actions"""
    return _list(state, call, state.actions)


def list_drafts(state: OrgState, call: Call) -> Result:
    """GET /api/v2/integrations/actions/drafts"""
    return _list(state, call, state.drafts)


def _single_view(raw: Json, call: Call) -> Json:
    expand = {
        e.strip() for e in (call.query.get("expand") or "").split(",") if e.strip()
    }
    unknown = expand - {"contract"}
    if unknown:
        msg = f"expand may only be contract; {', '.join(sorted(unknown))} is not supported."
        raise ApiError(400, msg, code="invalid.value", field="expand")
    return action_view(
        raw,
        include_config=flag(call.query, "includeConfig"),
        include_contract="contract" in expand,
        flatten=flag(call.query, "flatten"),
    )


def get_action(state: OrgState, call: Call) -> Result:
    """GET /api/v2/integrations/actions/{actionId}"""
    return 200, _single_view(_writes.get_action(state, call.args["action_id"]), call)


def patch_action(state: OrgState, call: Call) -> Result:
    """PATCH /api/v2/integrations/actions/{actionId}"""
    updated = _writes.patch_action(state, call.args["action_id"], call.body)
    return 200, action_view(updated, include_config=True, include_contract=True)


def get_draft(state: OrgState, call: Call) -> Result:
    """GET /api/v2/integrations/actions/{actionId}/draft"""
    return 200, _single_view(_writes.get_draft(state, call.args["action_id"]), call)


def create_draft(state: OrgState, call: Call) -> Result:
    """POST /api/v2/integrations/actions/{actionId}/draft"""
    draft = _writes.create_draft(state, call.args["action_id"])
    return 200, action_view(draft, include_config=True, include_contract=True)


def patch_draft(state: OrgState, call: Call) -> Result:
    """PATCH /api/v2/integrations/actions/{actionId}/draft"""
    draft = _writes.patch_draft(state, call.args["action_id"], call.body)
    return 200, action_view(draft, include_config=True, include_contract=True)


def delete_draft(state: OrgState, call: Call) -> Result:
    """DELETE /api/v2/integrations/actions/{actionId}/draft"""
    _writes.delete_draft(state, call.args["action_id"])
    return 204, None


def validate_draft(state: OrgState, call: Call) -> Result:
    """GET /api/v2/integrations/actions/{actionId}/draft/validation"""
    draft = _writes.get_draft(state, call.args["action_id"])
    problems = validation_errors(draft)
    errors = [
        {
            "message": p,
            "code": "invalid.value",
            "status": 400,
            "messageParams": {},
            "details": [],
            "errors": [],
        }
        for p in problems
    ]
    return 200, {"valid": not problems, "errors": errors}


def publish_draft(state: OrgState, call: Call) -> Result:
    """POST /api/v2/integrations/actions/{actionId}/draft/publish"""
    published = _writes.publish_draft(state, call.args["action_id"], call.body)
    return 200, action_view(published, include_config=True, include_contract=True)


def test_action(state: OrgState, call: Call) -> Result:
    """POST /api/v2/integrations/actions/{actionId}/test"""
    return _test(_writes.get_action(state, call.args["action_id"]), call)


def test_draft(state: OrgState, call: Call) -> Result:
    """POST /api/v2/integrations/actions/{actionId}/draft/test"""
    return _test(_writes.get_draft(state, call.args["action_id"]), call)


def _test(action: Json, call: Call) -> Result:
    if call.body is None:
        raise ApiError(
            400,
            "A request body with the action's input is required.",
            code="bad.request",
        )
    return 200, run_test(action, call.body)


def list_integrations(state: OrgState, call: Call) -> Result:
    """GET /api/v2/integrations"""
    page = page_request(call.query, max_size=100)
    wanted = call.query.get("integrationType")
    items = [
        i
        for i in state.integrations.values()
        if not wanted or i["integrationType"]["id"] == wanted
    ]
    return 200, listing(items, page, call.path, call.query, dict)


ROUTES = (
    ("/api/v2/integrations", "GET", list_integrations),
    ("/api/v2/integrations/actions", "GET", list_actions),
    ("/api/v2/integrations/actions/drafts", "GET", list_drafts),
    ("/api/v2/integrations/actions/<action_id>", "GET", get_action),
    ("/api/v2/integrations/actions/<action_id>", "PATCH", patch_action),
    ("/api/v2/integrations/actions/<action_id>/draft", "GET", get_draft),
    ("/api/v2/integrations/actions/<action_id>/draft", "POST", create_draft),
    ("/api/v2/integrations/actions/<action_id>/draft", "PATCH", patch_draft),
    ("/api/v2/integrations/actions/<action_id>/draft", "DELETE", delete_draft),
    (
        "/api/v2/integrations/actions/<action_id>/draft/validation",
        "GET",
        validate_draft,
    ),
    ("/api/v2/integrations/actions/<action_id>/draft/publish", "POST", publish_draft),
    ("/api/v2/integrations/actions/<action_id>/draft/test", "POST", test_draft),
    ("/api/v2/integrations/actions/<action_id>/test", "POST", test_action),
)
