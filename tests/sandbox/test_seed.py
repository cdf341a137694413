"""The seeded org: deterministic, and holding the mix of cases the product must handle."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from genesys_timeouts.sandbox import Sandbox


@pytest.fixture(scope="module")
def org() -> Sandbox:
    """The default org, read-only in this module."""
    return Sandbox()


def _steps(node: Any) -> Iterator[tuple[Mapping[str, Any], int]]:
    """Every object with an actionId in a document, with its nesting depth in actionLists."""

    def walk(item: Any, depth: int) -> Iterator[tuple[Mapping[str, Any], int]]:
        if isinstance(item, dict):
            if "actionId" in item:
                yield item, depth
            for key, value in item.items():
                yield from walk(value, depth + (key == "actionList"))
        elif isinstance(item, list):
            for value in item:
                yield from walk(value, depth)

    yield from walk(node, 0)


def _custom(org: Sandbox) -> list[dict[str, Any]]:
    return [a for i, a in org.actions.items() if i.startswith("custom_-_")]


def test_same_seed_same_org() -> None:
    """Two sandboxes with the same seed hold identical actions, drafts and flows."""
    one, two = (
        Sandbox(seed=9, actions=40, flows=6),
        Sandbox(seed=9, actions=40, flows=6),
    )

    assert one.actions == two.actions
    assert one.drafts == two.drafts
    assert (one.client_id, one.client_secret) == (two.client_id, two.client_secret)
    assert [f.documents for f in one.flows.values()] == [
        f.documents for f in two.flows.values()
    ]
    assert Sandbox(seed=10, actions=40, flows=6).actions != one.actions


def test_default_org_size_and_integrations(org: Sandbox) -> None:
    """The default org lists 300 actions over at least five integrations of the expected types."""
    listed = [i for i in org.actions if not i.startswith("customAuth_-_")]
    types = {i["integrationType"]["id"] for i in org.integrations.values()}

    assert len(listed) == 300
    assert len(org.integrations) >= 5
    assert {
        "purecloud-data-actions",
        "custom-rest-actions",
        "function-data-actions",
    } <= types
    assert sum(t.endswith("-datadip") for t in types) >= 1


def test_action_kinds_are_present(org: Sandbox) -> None:
    """Static, custom-authentication (one per web-services integration), secure and function actions exist."""
    web = [
        i
        for i in org.integrations.values()
        if i["integrationType"]["id"] == "custom-rest-actions"
    ]
    function_ids = {
        i["id"]
        for i in org.integrations.values()
        if i["integrationType"]["id"] == "function-data-actions"
    }

    assert any(i.startswith("static_-_") for i in org.actions)
    assert {f"customAuth_-_{i['id']}" for i in web} == {
        i for i in org.actions if i.startswith("customAuth_-_")
    }
    assert any(a["secure"] for a in org.actions.values())
    assert any(a["integrationId"] in function_ids for a in org.actions.values())
    assert not any(
        "timeoutSeconds" in org.actions[i]["config"]
        for i in org.actions
        if i.startswith("customAuth_-_")
    )


def test_timeout_mix(org: Sandbox) -> None:
    """Custom actions use 3, 5, 10 and 30 s and many are unset; at least 20 % are exactly 3 s."""
    counts = collections.Counter(
        a["config"].get("timeoutSeconds") for a in _custom(org)
    )

    assert set(counts) == {3, 5, 10, 30, None}
    assert counts[3] >= 0.2 * sum(counts.values())
    assert counts[None] >= 0.2 * sum(counts.values())


def test_pending_drafts_differ(org: Sandbox) -> None:
    """At least five published actions have a draft whose config differs."""
    differing = [
        i
        for i, d in org.drafts.items()
        if i in org.actions and d["config"] != org.actions[i]["config"]
    ]

    assert len(differing) >= 5


def test_configs_come_from_the_corpus(org: Sandbox) -> None:
    """Seeded custom actions use request templates of the real exported actions."""
    templates = {
        json.dumps(a["config"].get("request"), sort_keys=True) for a in _custom(org)
    }

    assert len(templates) >= 20


def test_flow_mix(org: Sandbox) -> None:
    """Forty flows of the four types, some with a newer checked-in version and one never published."""
    types = collections.Counter(f.type for f in org.flows.values())
    newer = [
        f
        for f in org.flows.values()
        if f.published_version and f.checked_in_version != f.published_version
    ]

    assert len(org.flows) == 40
    assert set(types) == {"INBOUNDCALL", "INQUEUECALL", "BOT", "WORKFLOW"}
    assert len(newer) >= 3
    assert any(f.published_version is None for f in org.flows.values())


def test_checked_in_versions_call_new_actions(org: Sandbox) -> None:
    """Some checked-in versions call an action their published version does not."""
    gained = 0
    for flow in org.flows.values():
        if flow.published_version and flow.checked_in_version != flow.published_version:
            published = {
                s["actionId"] for s, _ in _steps(flow.documents[flow.published_version])
            }
            checked_in = {
                s["actionId"]
                for s, _ in _steps(flow.documents[str(flow.checked_in_version)])
            }
            gained += bool(checked_in - published)

    assert gained >= 3


def test_flow_documents_hold_the_hard_cases(org: Sandbox) -> None:
    """Documents hold overriding, nested, secure, expression and unparseable timeouts."""
    steps = [
        s for f in org.flows.values() for d in f.documents.values() for s in _steps(d)
    ]
    texts = {s["timeout"]["text"] for s, _ in steps}

    assert any(not s["useSuggestedTimeout"] for s, _ in steps)
    assert max(depth for _, depth in steps) >= 4
    assert any(s["__type"] == "DataActionSecure" for s, _ in steps)
    assert "P0D0H1M0S0F" in texts
    assert any(t.startswith("MakeDuration(") for t in texts)
    assert any(t.startswith("Flow.") for t in texts)
    assert any("S500F" in t for t in texts)
    for step, _ in steps:
        assert {p["outputId"] for p in step["paths"]} == {
            "__SUCCESS__",
            "__FAILURE__",
            "__TIMEOUT__",
        }


def test_manifest_lists_called_actions(org: Sandbox) -> None:
    """Each document's manifest lists exactly the actions its steps call, secure ones apart."""
    for flow in org.flows.values():
        for document in flow.documents.values():
            steps = [s for s, _ in _steps(document)]
            manifest = document["manifest"]
            listed = {e["id"] for e in manifest["dataAction"]}
            listed_secure = {e["id"] for e in manifest.get("secureDataAction", [])}
            assert listed == {
                s["actionId"] for s in steps if s["__type"] == "DataAction"
            }
            assert listed_secure == {
                s["actionId"] for s in steps if s["__type"] == "DataActionSecure"
            }


def test_small_and_empty_orgs_build() -> None:
    """Tiny orgs, even with no actions or flows, build without error."""
    for actions, flows in [(0, 0), (1, 1), (3, 2), (12, 8)]:
        sb = Sandbox(seed=2, actions=actions, flows=flows)
        assert sum(not i.startswith("customAuth_-_") for i in sb.actions) == actions
        assert len(sb.flows) == flows
