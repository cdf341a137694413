"""Dependency tracking agrees with the flow documents and with the platform's rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from genesys_timeouts.sandbox import Sandbox
from tests.sandbox.sandbox_helpers import Raw

CONSUMERS = "/api/v2/architect/dependencytracking/consumingresources"
BUILD = "/api/v2/architect/dependencytracking/build"


@pytest.fixture(scope="module")
def org() -> Raw:
    """The default org with a raw client, read-only in this module."""
    return Raw(Sandbox())


def _calls(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "actionId" in node and "__type" in node:
            yield node
        for value in node.values():
            yield from _calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _calls(value)


def _expected(
    sb: Sandbox, action_id: str, secure: bool, kind: str
) -> set[tuple[str, str]]:
    want = "DataActionSecure" if secure else "DataAction"
    found = set()
    for flow in sb.flows.values():
        version = (
            flow.published_version if kind == "published" else flow.checked_in_version
        )
        if version is None:
            continue
        if any(
            c["actionId"] == action_id and c["__type"] == want
            for c in _calls(flow.documents[version])
        ):
            found.add((flow.id, version))
    return found


def _consumers(
    raw: Raw, action_id: str, object_type: str, **query: Any
) -> set[tuple[str, str]]:
    body = raw.get(
        CONSUMERS, id=action_id, objectType=object_type, pageSize=100, **query
    ).json
    assert body is not None
    assert body["total"] == len(body["entities"])
    return {(e["id"], e["version"]) for e in body["entities"]}


@pytest.mark.parametrize("kind", ["published", "checkedIn"])
def test_index_agrees_with_documents(org: Raw, kind: str) -> None:
    """For every action, the consumers reported per flowFilter are exactly the flows whose documents call it."""
    sb = org.sb
    called = {
        c["actionId"]
        for f in sb.flows.values()
        for d in f.documents.values()
        for c in _calls(d)
    }
    for action_id in called:
        secure = bool(sb.actions.get(action_id, {}).get("secure"))
        object_type = "SECUREACTION" if secure else "DATAACTION"
        assert _consumers(org, action_id, object_type, flowFilter=kind) == _expected(
            sb, action_id, secure, kind
        )


def test_checked_in_and_published_differ_somewhere(org: Raw) -> None:
    """Some action is consumed by a checked-in version but not by any published one."""
    sb = org.sb
    consumed = {action_id for _, action_id in sb.dependencies}
    differing = [
        i
        for i, a in sb.actions.items()
        if i in consumed
        and _expected(sb, i, a["secure"], "checkedIn")
        and not _expected(sb, i, a["secure"], "published")
    ]

    assert differing


def test_secure_actions_only_under_secureaction(org: Raw) -> None:
    """A secure action's consumers appear only as SECUREACTION; BRIDGEACTION is always empty."""
    sb = org.sb
    secure = next(
        i
        for i, a in sb.actions.items()
        if a["secure"] and ("SECUREACTION", i) in sb.dependencies
    )

    assert _consumers(org, secure, "SECUREACTION")
    assert _consumers(org, secure, "DATAACTION") == set()
    assert _consumers(org, secure, "BRIDGEACTION") == set()


def test_resource_type_filter(org: Raw) -> None:
    """resourceType keeps only consumers of the listed flow types."""
    (object_type, action_id), _entries = max(
        org.sb.dependencies.items(), key=lambda kv: len(kv[1])
    )
    body = org.get(
        CONSUMERS,
        id=action_id,
        objectType=object_type,
        resourceType="WORKFLOW",
        pageSize=100,
    ).json

    assert body is not None
    assert {e["type"] for e in body["entities"]} <= {"WORKFLOW"}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"objectType": "DATAACTION"}, id="no-id"),
        pytest.param({"id": "custom_-_x"}, id="no-object-type"),
        pytest.param({"id": "custom_-_x", "objectType": "FLOW"}, id="bad-object-type"),
        pytest.param(
            {"id": "custom_-_x", "objectType": "DATAACTION", "flowFilter": "saved"},
            id="bad-filter",
        ),
        pytest.param(
            {"id": "custom_-_x", "objectType": "DATAACTION", "resourceType": "QUEUE"},
            id="bad-type",
        ),
    ],
)
def test_bad_dependency_queries_are_400(org: Raw, query: dict[str, str]) -> None:
    """Missing or invalid dependency-tracking parameters get 400."""
    assert org.get(CONSUMERS, **query).status_code == 400


def test_build_status_follows_the_switch(sb: Sandbox, raw: Raw) -> None:
    """The build endpoint reports dependency_build_status."""
    sb.dependency_build_status = "BUILDINPROGRESS"

    assert raw.get(BUILD).json["status"] == "BUILDINPROGRESS"  # type: ignore[index]


def test_flow_reads(sb: Sandbox, raw: Raw) -> None:
    """Flows list by type; latestconfiguration is the newest version; unknown versions are 404."""
    flow = next(
        f
        for f in sb.flows.values()
        if f.published_version and f.checked_in_version != f.published_version
    )
    bots = raw.get("/api/v2/flows", type="bot", pageSize=100).json

    latest = raw.get(f"/api/v2/flows/{flow.id}/latestconfiguration").json
    published = raw.get(
        f"/api/v2/flows/{flow.id}/versions/{flow.published_version}/configuration"
    ).json

    assert bots is not None
    assert {e["type"] for e in bots["entities"]} == {"BOT"}
    assert latest == flow.documents[str(flow.checked_in_version)]
    assert published == flow.documents[str(flow.published_version)]
    assert (
        raw.get(f"/api/v2/flows/{flow.id}/versions/99.0/configuration").status_code
        == 404
    )
    assert raw.get("/api/v2/flows/no-such-flow").status_code == 404


def _all_consumers(raw: Raw, status: str) -> dict[str, set[tuple[str, str]]]:
    raw.sb.dependency_build_status = status
    return {
        action_id: _consumers(raw, action_id, object_type)
        for object_type, action_id in raw.sb.dependencies
    }


def test_index_is_untrustworthy_unless_operational(sb: Sandbox, raw: Raw) -> None:
    """Unbuilt, building and stale indexes answer less than the operational one, each in its own way."""
    full = _all_consumers(raw, "OPERATIONAL")
    unbuilt = _all_consumers(raw, "NOTBUILT")
    building = _all_consumers(raw, "BUILDINPROGRESS")
    stale = _all_consumers(raw, "OPERATIONALNEEDSREBUILD")
    newer = {
        (f.id, str(f.checked_in_version))
        for f in sb.flows.values()
        if f.checked_in_version != f.published_version
    }
    reached = set(sorted(sb.flows)[: len(sb.flows) // 2])

    assert any(full.values())
    assert not any(unbuilt.values())
    assert building == {i: {c for c in cs if c[0] in reached} for i, cs in full.items()}
    assert stale == {i: cs - newer for i, cs in full.items()}
    assert building != full
    assert stale != full
