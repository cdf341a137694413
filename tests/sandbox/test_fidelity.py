"""Every body the sandbox returns fits the SDK's models; every SDK request is accepted.

Each SDK method the product uses is driven through both transports: the
in-process WSGI one and real HTTP on loopback.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from typing import Any

import PureCloudPlatformClientV2 as sdk  # noqa: N813  # the SDK module, aliased short
import pytest

from genesys_timeouts._sdk import (
    ApiClient,
    ApiException,
    ArchitectApi,
    IntegrationsApi,
    Transport,
    UrllibSender,
)
from genesys_timeouts.sandbox import Sandbox

_PRIMITIVES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "object": lambda v: True,
    "datetime": lambda v: (
        isinstance(v, str)
        and bool(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")))
    ),
}


def unfit(type_name: str, value: Any, where: str = "$") -> list[str]:
    """Where ``value`` does not fit the SDK type ``type_name``, recursively."""
    if value is None:
        return []
    if type_name.startswith("list["):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in unfit(type_name[5:-1], item, f"{where}[{i}]")
        ]
    if type_name.startswith("dict("):
        inner = type_name[5:-1].split(", ", 1)[1]
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        return [
            p for k, item in value.items() for p in unfit(inner, item, f"{where}.{k}")
        ]
    if type_name in _PRIMITIVES:
        return (
            []
            if _PRIMITIVES[type_name](value)
            else [f"{where}: {value!r} is not {type_name}"]
        )
    model = getattr(sdk, type_name)()
    if not isinstance(value, dict):
        return [f"{where}: expected a {type_name} object"]
    by_json = {json_key: attr for attr, json_key in model.attribute_map.items()}
    problems = [
        f"{where}.{key}: unknown to {type_name}" for key in value if key not in by_json
    ]
    for key, item in value.items():
        if key in by_json:
            problems += unfit(model.swagger_types[by_json[key]], item, f"{where}.{key}")
    return problems


Step = tuple[str, str, Any, Any]


def outdated(value: Any, where: str = "$") -> list[str]:
    """Where the SDK replaced a value outside its enum with ``outdated_sdk_version``."""
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in outdated(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in outdated(v, f"{where}[{i}]")]

    return [where] if value == "outdated_sdk_version" else []


def exercise(client: Any, transport: Transport, sb: Sandbox) -> Iterator[Step]:
    """Call every SDK method the product uses; yield (method, model, raw body, result)."""
    integrations = IntegrationsApi(client)
    architect = ArchitectApi(client)

    def step(name: str, model: str, call: Callable[[], Any]) -> Iterator[Step]:
        result = call()
        assert result is not None, name
        yield name, model, transport.last_json, result

    target = next(
        i
        for i, a in sb.actions.items()
        if i.startswith("custom_-_") and not a["secure"] and i not in sb.drafts
    )
    other = next(
        i
        for i, a in sb.actions.items()
        if i.startswith("custom_-_")
        and not a["secure"]
        and i not in sb.drafts
        and i != target
    )
    yield from step(
        "get_integrations",
        "IntegrationEntityListing",
        lambda: integrations.get_integrations(page_size=25),
    )
    yield from step(
        "get_integrations_actions",
        "ActionEntityListing",
        lambda: integrations.get_integrations_actions(
            page_size=100, include_config=True, include_auth_actions="true"
        ),
    )
    page_two = integrations.get_integrations_actions(
        page_size=25, page_number=2, sort_by="name", sort_order="DESC"
    )
    assert page_two.previous_uri  # every paging field is there on a middle page
    assert page_two.next_uri
    yield (
        "get_integrations_actions page 2, sorted",
        "ActionEntityListing",
        (transport.last_json),
        page_two,
    )
    named = sb.actions[target]
    filtered = integrations.get_integrations_actions(
        ids=f"{target},{other}",
        secure="false",
        category=named["category"],
        name=named["name"][:5],
        include_config=True,
    )
    assert target in {e.id for e in filtered.entities}
    yield (
        "get_integrations_actions filtered",
        "ActionEntityListing",
        (transport.last_json),
        filtered,
    )
    yield from step(
        "get_integrations_actions_drafts",
        "ActionEntityListing",
        lambda: integrations.get_integrations_actions_drafts(
            page_size=100, include_config=True
        ),
    )
    action = integrations.get_integrations_action(
        target, expand="contract", include_config=True
    )
    yield "get_integrations_action", "Action", transport.last_json, action
    yield from step(
        "get_integrations_action flattened",
        "Action",
        lambda: integrations.get_integrations_action(
            target, expand="contract", flatten=True
        ),
    )
    body = sdk.UpdateActionInput()
    body.name, body.category, body.config, body.version = (
        action.name,
        action.category,
        action.config,
        action.version,
    )
    body.config.timeout_seconds = 10
    yield from step(
        "patch_integrations_action",
        "Action",
        lambda: integrations.patch_integrations_action(target, body),
    )
    draft = integrations.post_integrations_action_draft(target)
    yield "post_integrations_action_draft", "Action", transport.last_json, draft
    yield from step(
        "get_integrations_action_draft",
        "Action",
        lambda: integrations.get_integrations_action_draft(
            target, expand="contract", include_config=True
        ),
    )
    draft_body = sdk.UpdateDraftInput()
    draft_body.name, draft_body.config, draft_body.version = (
        draft.name,
        draft.config,
        draft.version,
    )
    draft_body.config.timeout_seconds = 12
    patched = integrations.patch_integrations_action_draft(target, draft_body)
    yield "patch_integrations_action_draft", "Action", transport.last_json, patched
    yield from step(
        "post_integrations_action_draft_test",
        "TestExecutionResult",
        lambda: integrations.post_integrations_action_draft_test(
            target, {"queueId": "q-1"}
        ),
    )
    yield from step(
        "get_integrations_action_draft_validation",
        "DraftValidationResult",
        lambda: integrations.get_integrations_action_draft_validation(target),
    )
    publish = sdk.PublishDraftInput()
    publish.version = patched.version
    yield from step(
        "post_integrations_action_draft_publish",
        "Action",
        lambda: integrations.post_integrations_action_draft_publish(target, publish),
    )
    yield from step(
        "post_integrations_action_test",
        "TestExecutionResult",
        lambda: integrations.post_integrations_action_test(target, {"queueId": "q-1"}),
    )
    integrations.post_integrations_action_draft(other)
    integrations.delete_integrations_action_draft(other)
    assert other not in sb.drafts
    yield from step(
        "get_architect_dependencytracking_build",
        "DependencyStatus",
        architect.get_architect_dependencytracking_build,
    )
    (object_type, consumed), _ = next(iter(sb.dependencies.items()))
    yield from step(
        "get_architect_dependencytracking_consumingresources",
        "ConsumingResourcesEntityListing",
        lambda: architect.get_architect_dependencytracking_consumingresources(
            consumed,
            object_type,
            resource_type=["INBOUNDCALLFLOW", "INQUEUECALLFLOW", "BOTFLOW", "WORKFLOW"],
            flow_filter="published",
            page_size=100,
        ),
    )
    flows = architect.get_flows(
        page_size=100, type=["inboundcall", "workflow", "bot", "inqueuecall"]
    )
    yield "get_flows", "FlowEntityListing", transport.last_json, flows
    flow = next(f for f in flows.entities if f.published_version is not None)
    yield from step("get_flow", "Flow", lambda: architect.get_flow(flow.id))
    yield from step(
        "get_flow_latestconfiguration",
        "object",
        lambda: architect.get_flow_latestconfiguration(flow.id),
    )
    yield from step(
        "get_flow_version_configuration",
        "object",
        lambda: architect.get_flow_version_configuration(
            flow.id, flow.published_version.id
        ),
    )


def _check_all(client: Any, transport: Transport, sb: Sandbox) -> set[str]:
    seen = set()
    for name, model, body, result in exercise(client, transport, sb):
        assert body is not None, name
        assert unfit(model, body) == [], name
        assert outdated(result) == [], name
        seen.add(name)
    assert sb.actions  # the org survived the run
    return seen


_METHODS = {
    "get_integrations",
    "get_integrations_actions",
    "get_integrations_actions page 2, sorted",
    "get_integrations_actions filtered",
    "get_integrations_actions_drafts",
    "get_integrations_action",
    "get_integrations_action flattened",
    "patch_integrations_action",
    "post_integrations_action_draft",
    "get_integrations_action_draft",
    "patch_integrations_action_draft",
    "post_integrations_action_draft_test",
    "get_integrations_action_draft_validation",
    "post_integrations_action_draft_publish",
    "post_integrations_action_test",
    "get_architect_dependencytracking_build",
    "get_architect_dependencytracking_consumingresources",
    "get_flows",
    "get_flow",
    "get_flow_latestconfiguration",
    "get_flow_version_configuration",
}


def test_checker_flags_unknown_keys() -> None:
    """The fit checker itself reports keys a model does not know, however deep."""
    body = {"entities": [{"id": "x", "config": {"timeout": 5}}], "bogus": 1}

    assert unfit("ActionEntityListing", body) == [
        "$.bogus: unknown to ActionEntityListing",
        "$.entities[0].config.timeout: unknown to ActionConfig",
    ]


def test_in_process_sdk_round_trip(sb: Sandbox) -> None:
    """Every SDK call succeeds in-process and every body fits its model exactly."""
    client = ApiClient(host=sb.base_url)
    transport = sb.transport()
    client.set_http_client(transport)
    client.get_client_credentials_token(sb.client_id, sb.client_secret)

    assert _check_all(client, transport, sb) == _METHODS


@pytest.mark.loopback
def test_loopback_sdk_round_trip(sb: Sandbox) -> None:
    """Every SDK call succeeds over real loopback HTTP and every body fits its model."""
    with sb.serve() as url:
        sender = UrllibSender(10.0)
        transport = Transport(sender)
        client = ApiClient(host=url)
        client.set_http_client(transport)
        client.get_client_credentials_token(sb.client_id, sb.client_secret)
        seen = _check_all(client, transport, sb)

    assert url.startswith("http://127.0.0.1:")
    assert seen == _METHODS


def _client(sb: Sandbox) -> tuple[Any, Transport]:
    client = ApiClient(host=sb.base_url)
    transport = sb.transport()
    client.set_http_client(transport)
    client.get_client_credentials_token(sb.client_id, sb.client_secret)
    return client, transport


def _after(first: Callable[[], None], then: Callable[[], Any]) -> Any:
    first()
    return then()


def _refusal(call: Callable[[], Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    with pytest.raises(ApiException) as caught:
        call()
    headers = {k.lower(): v for k, v in dict(caught.value.headers or {}).items()}
    return int(caught.value.status), json.loads(caught.value.body), headers


def test_error_bodies_fit_error_body() -> None:
    """Every kind of refusal the SDK meets carries an ErrorBody with no unknown keys and the platform's headers."""
    sb = Sandbox(seed=4, actions=20, flows=4, rate_limit_per_minute=30)
    client, _ = _client(sb)
    api = IntegrationsApi(client)
    ids = [i for i, a in sb.actions.items() if i.startswith("custom_-_")]
    static = next(i for i in sb.actions if i.startswith("static_-_"))
    auth = next(i for i in sb.actions if i.startswith("customAuth_-_"))

    def update(action_id: str, timeout: int | None, version: int) -> Any:
        body = sdk.UpdateActionInput()
        body.config = api.get_integrations_action(action_id, include_config=True).config
        body.config.timeout_seconds, body.version = timeout, version
        return lambda: api.patch_integrations_action(action_id, body)

    def stale_400() -> Any:
        sb.conflict_style = "400"
        update(ids[1], 10, 0)()

    def publish_stale() -> Any:
        api.post_integrations_action_draft(ids[2])
        publish = sdk.PublishDraftInput()
        publish.version = 99
        api.post_integrations_action_draft_publish(ids[2], publish)

    def bad_login() -> Any:
        other = ApiClient(host=sb.base_url)
        other.set_http_client(sb.transport())
        other.get_client_credentials_token(sb.client_id, "wrong")

    def rate_limited() -> Any:
        for _ in range(31):
            api.get_integrations_action(ids[0])

    cases = [
        (404, lambda: api.get_integrations_action("custom_-_missing")),
        (409, update(ids[0], 10, 0)),
        (400, stale_400),
        (400, update(ids[0], 0, sb.actions[ids[0]]["version"])),
        (400, update(auth, 10, sb.actions[auth]["version"])),
        (400, lambda: api.post_integrations_action_draft(static)),
        (400, publish_stale),
        (401, bad_login),
        (
            503,
            lambda: _after(sb.fail_next, lambda: api.get_integrations_action(ids[0])),
        ),
        (429, rate_limited),
    ]
    seen = []
    for _, call in cases:
        got, body, headers = _refusal(call)
        seen.append(got)
        assert unfit("ErrorBody", body) == [], body
        assert body["status"] == got
        assert body["contextId"] == headers["inin-correlation-id"]
        assert {"message", "code", "messageWithParams", "details"} <= set(body)
        assert {"inin-ratelimit-count", "inin-ratelimit-allowed"} <= set(headers)

    assert seen == [status for status, _ in cases]


def test_failed_validation_and_test_run_fit_their_models(sb: Sandbox) -> None:
    """A draft with a wiped config yields a DraftValidationResult and a TestExecutionResult whose errors fit ErrorBody."""
    client, transport = _client(sb)
    api = IntegrationsApi(client)
    action_id = next(
        i for i in sb.actions if i.startswith("custom_-_") and i not in sb.drafts
    )
    draft = api.post_integrations_action_draft(action_id)
    wipe = sdk.UpdateDraftInput()
    wipe.config, wipe.version = sdk.ActionConfig(), draft.version
    wipe.config.timeout_seconds = 5
    api.patch_integrations_action_draft(action_id, wipe)

    validation = api.get_integrations_action_draft_validation(action_id)
    validation_body = transport.last_json
    run = api.post_integrations_action_draft_test(action_id, {})
    run_body = transport.last_json

    assert validation.valid is False
    assert validation.errors
    assert run.success is False
    assert run.error is not None
    assert unfit("DraftValidationResult", validation_body) == []
    assert unfit("TestExecutionResult", run_body) == []
