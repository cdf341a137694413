"""Handlers for flows and Architect dependency tracking."""

from __future__ import annotations

from typing import Any

from ._call import Call, Result, one_of
from ._errors import ApiError
from ._flows import DOC_TYPES
from ._paging import listing, page_request
from ._state import FlowRecord, OrgState

__all__ = ["ROUTES", "dependency_type", "flow_view"]

Json = dict[str, Any]

MAX_FLOW_PAGE = 100
MAX_DEPENDENCY_PAGE = 100
#: Flow type -> the type dependency tracking reports for it.
_DEPENDENCY_TYPES = {
    "INBOUNDCALL": "INBOUNDCALLFLOW",
    "INQUEUECALL": "INQUEUECALLFLOW",
    "BOT": "BOTFLOW",
    "WORKFLOW": "WORKFLOW",
}
_OBJECT_TYPES = ("DATAACTION", "SECUREACTION", "BRIDGEACTION")
_VERSIONED_TYPES = (
    "BOTFLOW",
    "COMMONMODULEFLOW",
    "DIGITALBOTFLOW",
    "INBOUNDCALLFLOW",
    "INBOUNDCHATFLOW",
    "INBOUNDEMAILFLOW",
    "INBOUNDSHORTMESSAGEFLOW",
    "INQUEUECALLFLOW",
    "INQUEUEEMAILFLOW",
    "INQUEUESHORTMESSAGEFLOW",
    "OUTBOUNDCALLFLOW",
    "SECURECALLFLOW",
    "SURVEYINVITEFLOW",
    "VOICEMAILFLOW",
    "WORKFLOW",
    "WORKITEMFLOW",
)


#: Build states in which the index holds nothing yet.
_UNBUILT = frozenset({"NOTBUILT", "BUILDQUEUED", "BUILDINITIALIZING"})
#: Build states in which only part of the org has been indexed.
_PARTIAL = frozenset({"BUILDINPROGRESS", "BUILDINCOMPLETE"})


def _indexed(
    state: OrgState, entries: list[tuple[str, str, str]]
) -> list[tuple[str, str, str]]:
    """What the index knows of ``entries`` in the current build state.

    The platform says not to trust the index unless it is OPERATIONAL; the
    sandbox makes that advice matter. Before a build there is nothing, a
    build under way has reached only the first half of the flows, and a
    stale index (OPERATIONALNEEDSREBUILD) predates the newest check-ins.
    """
    status = state.dependency_build_status
    if status in _UNBUILT:
        return []
    if status in _PARTIAL:
        ordered = sorted(state.flows)
        reached = set(ordered[: len(ordered) // 2])
        return [e for e in entries if e[0] in reached]
    if status == "OPERATIONALNEEDSREBUILD":
        return [e for e in entries if not _newer_check_in(state, e)]

    return entries


def _newer_check_in(state: OrgState, entry: tuple[str, str, str]) -> bool:
    flow_id, version, kind = entry
    flow = state.flows.get(flow_id)

    return (
        kind == "checkedIn" and flow is not None and flow.published_version != version
    )


def dependency_type(flow: FlowRecord) -> str:
    """The ``type`` dependency tracking gives a flow."""
    return _DEPENDENCY_TYPES[flow.type]


def _version_view(flow: FlowRecord, version: str, kind: str) -> Json:
    number = float(version)
    return {
        "id": version,
        "name": version,
        "commitVersion": version,
        "configurationVersion": version,
        "type": kind,
        "secure": False,
        "debug": False,
        "configurationUri": f"/api/v2/flows/{flow.id}/versions/{version}/configuration",
        "dateCreated": flow.created_ms + int(number) * 3_600_000,
        "selfUri": f"/api/v2/flows/{flow.id}/versions/{version}",
    }


def flow_view(flow: FlowRecord) -> Json:
    """A flow as ``GET /api/v2/flows/{id}`` returns it."""
    view: Json = {
        "id": flow.id,
        "name": flow.name,
        "division": dict(flow.division),
        "description": flow.description,
        "type": flow.type,
        "active": flow.published_version is not None,
        "system": False,
        "deleted": False,
        "selfUri": f"/api/v2/flows/{flow.id}",
    }
    if flow.published_version is not None:
        view["publishedVersion"] = _version_view(
            flow, flow.published_version, "PUBLISH"
        )
    if flow.checked_in_version is not None:
        view["checkedInVersion"] = _version_view(
            flow, flow.checked_in_version, "CHECKIN"
        )

    return view


def _get_flow(state: OrgState, flow_id: str) -> FlowRecord:
    flow = state.flows.get(flow_id)
    if flow is None:
        msg = f"Unable to find flow with id {flow_id}."
        raise ApiError(404, msg, code="not.found", entity_id=flow_id)
    return flow


def list_flows(state: OrgState, call: Call) -> Result:
    """GET /api/v2/flows"""
    q = call.query
    page = page_request(q, max_size=MAX_FLOW_PAGE)
    types = {t.strip().upper() for t in (q.get("type") or "").split(",") if t.strip()}
    unknown = (
        types
        - set(DOC_TYPES)
        - {
            "COMMONMODULE",
            "DIGITALBOT",
            "INBOUNDCHAT",
            "INBOUNDEMAIL",
            "INBOUNDSHORTMESSAGE",
            "OUTBOUNDCALL",
            "SECURECALL",
            "SURVEYINVITE",
            "VOICEMAIL",
            "WORKITEM",
            "INQUEUEEMAIL",
            "INQUEUESHORTMESSAGE",
            "SPEECH",
            "VOICE",
            "VOICESURVEY",
            "EMAILSEND",
            "BUSINESSPROCESS",
        }
    )
    if unknown:
        msg = f"type {', '.join(sorted(unknown))} is not a flow type."
        raise ApiError(400, msg, code="invalid.value", field="type")
    ids = {i.strip() for i in (q.get("id") or "").split(",") if i.strip()}
    # Architect's name filter takes * as a wildcard; a partial match covers it.
    name = (q.get("name") or "").replace("*", "").lower()
    items = [
        f
        for f in state.flows.values()
        if (not types or f.type in types)
        and (not ids or f.id in ids)
        and name in f.name.lower()
    ]
    if q.get("sortBy"):
        field = one_of(q, "sortBy", ("name", "id", "type"))
        descending = one_of(q, "sortOrder", ("asc", "desc"), "asc") == "desc"
        items.sort(
            key=lambda f: str(getattr(f, str(field))).lower(), reverse=descending
        )
    return 200, listing(items, page, call.path, q, flow_view)


def get_flow(state: OrgState, call: Call) -> Result:
    """GET /api/v2/flows/{flowId}"""
    return 200, flow_view(_get_flow(state, call.args["flow_id"]))


def latest_configuration(state: OrgState, call: Call) -> Result:
    """GET /api/v2/flows/{flowId}/latestconfiguration: the newest version, published or not."""
    flow = _get_flow(state, call.args["flow_id"])
    return 200, flow.documents[flow.latest_version]


def version_configuration(state: OrgState, call: Call) -> Result:
    """GET /api/v2/flows/{flowId}/versions/{versionId}/configuration"""
    flow = _get_flow(state, call.args["flow_id"])
    version = call.args["version_id"]
    if version not in flow.documents:
        msg = f"Flow {flow.id} has no version {version}."
        raise ApiError(404, msg, code="not.found", entity_id=flow.id)
    return 200, flow.documents[version]


def consuming_resources(state: OrgState, call: Call) -> Result:
    """GET /api/v2/architect/dependencytracking/consumingresources"""
    q = call.query
    object_id = q.get("id")
    if not object_id:
        raise ApiError(400, "id is required.", code="bad.request", field="id")
    object_type = one_of(q, "objectType", _OBJECT_TYPES)
    if object_type is None:
        raise ApiError(
            400, "objectType is required.", code="bad.request", field="objectType"
        )
    wanted = {
        t.strip().upper() for t in (q.get("resourceType") or "").split(",") if t.strip()
    }
    bad = wanted - set(_VERSIONED_TYPES)
    if bad:
        msg = f"resourceType {', '.join(sorted(bad))} is not a versioned type."
        raise ApiError(400, msg, code="invalid.value", field="resourceType")
    flow_filter = one_of(q, "flowFilter", ("checkedIn", "published"))
    page = page_request(q, max_size=MAX_DEPENDENCY_PAGE)
    entities: list[Json] = []
    # An index that was never built knows no consumers: the answer is an
    # empty listing, which a client must not read as "no flows".
    index = _indexed(state, state.dependencies.get((object_type, object_id), []))
    for flow_id, version, kind in index:
        flow = state.flows.get(flow_id)
        if flow is None or (flow_filter is not None and kind != flow_filter):
            continue
        if wanted and dependency_type(flow) not in wanted:
            continue
        entities.append(
            {
                "id": flow.id,
                "name": flow.name,
                "version": version,
                "type": dependency_type(flow),
                "deleted": False,
                "updated": False,
                "stateUnknown": False,
                "selfUri": f"/api/v2/flows/{flow.id}",
            }
        )
    if flow_filter is None:
        # Without a filter the index reports each consuming version; a flow
        # whose published and checked-in versions are the same appears once.
        unique: dict[tuple[str, str], Json] = {
            (e["id"], e["version"]): e for e in entities
        }
        entities = list(unique.values())
    return 200, listing(entities, page, call.path, q)


def build_status(state: OrgState, call: Call) -> Result:
    """GET /api/v2/architect/dependencytracking/build"""
    return 200, {
        "id": "dependency-tracking-build",
        "name": "Dependency tracking build",
        "buildId": "00000000-0000-4000-8000-000000000001",
        "dateStarted": "2026-01-05T02:00:00.000Z",
        "dateCompleted": "2026-01-05T02:07:31.000Z",
        "status": state.dependency_build_status,
        "failedObjects": [],
        "selfUri": "/api/v2/architect/dependencytracking/build",
    }


ROUTES = (
    ("/api/v2/flows", "GET", list_flows),
    ("/api/v2/flows/<flow_id>", "GET", get_flow),
    ("/api/v2/flows/<flow_id>/latestconfiguration", "GET", latest_configuration),
    (
        "/api/v2/flows/<flow_id>/versions/<version_id>/configuration",
        "GET",
        version_configuration,
    ),
    (
        "/api/v2/architect/dependencytracking/consumingresources",
        "GET",
        consuming_resources,
    ),
    ("/api/v2/architect/dependencytracking/build", "GET", build_status),
)
