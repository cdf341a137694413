"""A deterministic, realistic org: integrations, actions, drafts and flows.

Everything comes from one ``random.Random(seed)``, so a seed always builds
the same org. The mix is chosen to give an auditing tool work and traps:
many 3 s timeouts, many unset ones, static, custom-authentication, secure and
function actions, drafts that differ from what is published, and flows whose
checked-in version calls actions their published version does not.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import uuid
from collections.abc import Sequence
from typing import Any

from ._durations import TimeoutSpec
from ._flows import CallSpec, build_document, find_calls
from ._state import FlowRecord, OrgState
from ._templates import Template, templates
from ._validate import CUSTOM_AUTH_PREFIX, STATIC_PREFIX

__all__ = ["seed_org"]

Json = dict[str, Any]

# (name, integration type id, integration type name, share of custom actions)
_CUSTOM_INTEGRATIONS = (
    (
        "Genesys Cloud Data Actions",
        "purecloud-data-actions",
        "Genesys Cloud Data Actions",
        0.50,
    ),
    (
        "Reporting Data Actions",
        "purecloud-data-actions",
        "Genesys Cloud Data Actions",
        0.14,
    ),
    (
        "Web Services Data Actions",
        "custom-rest-actions",
        "Web Services Data Actions",
        0.22,
    ),
    ("CRM Web Services", "custom-rest-actions", "Web Services Data Actions", 0.10),
    ("Function Data Actions", "function-data-actions", "Function Data Actions", 0.04),
)
_STATIC_INTEGRATIONS = (
    ("Salesforce", "salesforce-datadip", "Salesforce Data Dip Connector", "salesforce"),
    (
        "Microsoft Dynamics",
        "microsoft-dynamics-datadip",
        "Microsoft Dynamics Data Dip Connector",
        "dynamics",
    ),
)
_STATIC_NAMES = (
    "Lookup Account by Phone",
    "Lookup Contact by Phone",
    "Lookup Case by Number",
    "Create Case",
    "Get Account Details",
    "Lookup Lead by Email",
)
_TEAMS = (
    "Sales",
    "Support",
    "Billing",
    "Retention",
    "Claims",
    "Onboarding",
    "EMEA",
    "APAC",
)

#: Shares of the action-level timeout over custom actions: at least 20 %
#: exactly 3 s, so a "raise 3 s to 10 s" job always has work, and many unset.
_TIMEOUT_SHARES = ((3, 0.25), (5, 0.12), (10, 0.13), (30, 0.10))

_FLOW_TYPES = (
    ("INBOUNDCALL", 0.35),
    ("INQUEUECALL", 0.2),
    ("BOT", 0.2),
    ("WORKFLOW", 0.25),
)
_FLOW_NAMES = {
    "INBOUNDCALL": (
        "Main IVR",
        "Billing Line",
        "Support Line",
        "After Hours",
        "Claims Hotline",
    ),
    "INQUEUECALL": ("Hold Experience", "Callback Offer", "Queue Position"),
    "BOT": ("Order Status Bot", "CSAT Survey Bot", "FAQ Bot"),
    "WORKFLOW": ("Blacklist Check", "Proactive Callback", "Case Sync", "Lead Routing"),
}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _integration(rng: random.Random, name: str, type_id: str, type_name: str) -> Json:
    integration_id = _uuid(rng)
    return {
        "id": integration_id,
        "name": name,
        "integrationType": {
            "id": type_id,
            "name": type_name,
            "description": f"{type_name} integration",
            "provider": "genesys"
            if type_id.endswith("-actions")
            else type_id.split("-")[0],
            "category": "Data Actions",
            "selfUri": f"/api/v2/integrations/types/{type_id}",
        },
        "notes": "",
        "intendedState": "ENABLED",
        "reportedState": {"code": "ACTIVE", "effective": "Active"},
        "attributes": {},
        "selfUri": f"/api/v2/integrations/{integration_id}",
    }


def _action(
    action_id: str,
    name: str,
    integration: Json,
    template: Template,
    version: int,
    secure: bool,
) -> Json:
    return {
        "id": action_id,
        "name": name,
        "integrationId": integration["id"],
        "category": integration["name"],
        "contract": copy.deepcopy(template.contract),
        "version": version,
        "secure": secure,
        "config": copy.deepcopy(template.config),
        "selfUri": f"/api/v2/integrations/actions/{action_id}",
    }


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """``total`` spread over ``shares``, every bucket at least 1 when possible."""
    counts = [math.floor(total * s) for s in shares]
    index = 0
    while sum(counts) < total:
        counts[index % len(counts)] += 1
        index += 1
    return counts


class _Names:
    """Hands out unique, human-looking action names."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def take(self, base: str) -> str:
        name = base
        attempt = 0
        while name in self._used:
            attempt += 1
            team = _TEAMS[(attempt - 1) % len(_TEAMS)]
            round_ = (attempt - 1) // len(_TEAMS)
            name = f"{base} - {team}" + (f" {round_ + 1}" if round_ else "")
        self._used.add(name)
        return name


def _custom_auth_action(integration: Json) -> Json:
    action_id = f"{CUSTOM_AUTH_PREFIX}{integration['id']}"
    config = {
        "request": {
            "requestUrlTemplate": "https://auth.example.com/oauth2/token",
            "requestType": "POST",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "requestTemplate": "grant_type=client_credentials&client_id=${credentials.clientId}",
        },
        "response": {
            "translationMap": {"tokenValue": "$.access_token"},
            "translationMapDefaults": {},
            "successTemplate": '{"tokenValue": ${tokenValue}}',
        },
    }
    contract = {
        "input": {
            "inputSchema": {
                "type": "object",
                "properties": {},
                "additionalProperties": True,
            }
        },
        "output": {
            "successSchema": {
                "type": "object",
                "properties": {"tokenValue": {"type": "string"}},
                "additionalProperties": True,
            }
        },
    }
    template = Template(
        "Custom Authentication", "custom-rest-actions", config, contract
    )
    return _action(action_id, "Custom Authentication", integration, template, 1, False)


def _static_actions(
    rng: random.Random, integration: Json, slug: str, count: int
) -> list[Json]:
    found = []
    for index in range(count):
        base = _STATIC_NAMES[index % len(_STATIC_NAMES)]
        round_ = index // len(_STATIC_NAMES)
        name = f"{integration['name']} {base}" + (f" {round_ + 1}" if round_ else "")
        key = base.lower().replace(" ", "-") + (f"-{round_ + 1}" if round_ else "")
        field = "phoneNumber" if "Phone" in base else "query"
        config = {
            "request": {
                "requestUrlTemplate": f"/{slug}/{key}?q=${{input.{field}}}",
                "requestType": "POST" if base.startswith("Create") else "GET",
                "headers": {},
                "requestTemplate": "${input.rawRequest}",
            },
            "response": {
                "translationMap": {},
                "translationMapDefaults": {},
                "successTemplate": "${rawResult}",
            },
        }
        contract = {
            "input": {
                "inputSchema": {
                    "type": "object",
                    "properties": {field: {"type": "string"}},
                    "required": [field],
                }
            },
            "output": {
                "successSchema": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}},
                }
            },
        }
        template = Template(
            name, integration["integrationType"]["id"], config, contract
        )
        action = _action(
            f"{STATIC_PREFIX}{slug}-{key}", name, integration, template, 1, False
        )
        found.append(action)
    return found


def _assign_timeouts(rng: random.Random, actions: list[Json]) -> None:
    shares = [s for _, s in _TIMEOUT_SHARES]
    counts = [math.ceil(len(actions) * s) for s in shares]
    values: list[int | None] = []
    for (seconds, _), count in zip(_TIMEOUT_SHARES, counts, strict=True):
        values.extend([seconds] * count)
    values = values[: len(actions)]
    values.extend([None] * (len(actions) - len(values)))
    rng.shuffle(values)
    for action, chosen in zip(actions, values, strict=True):
        if chosen is not None:
            action["config"] = {"timeoutSeconds": chosen, **action["config"]}


def _make_draft(rng: random.Random, action: Json, variant: int) -> Json:
    draft = copy.deepcopy(action)
    draft["version"] = rng.randint(1, 3)
    draft["selfUri"] = f"/api/v2/integrations/actions/{action['id']}/draft"
    config = draft["config"]
    current = config.get("timeoutSeconds")
    if variant % 3 in (0, 2):
        config["timeoutSeconds"] = 15 if current != 15 else 20
    if variant % 3 in (1, 2):
        request = config.setdefault("request", {})
        request["requestUrlTemplate"] = (
            str(request.get("requestUrlTemplate", "")) + "?draft=true"
        )
    return draft


def _flow_types(rng: random.Random, count: int) -> list[str]:
    counts = _split(count, [s for _, s in _FLOW_TYPES])
    types = [t for (t, _), n in zip(_FLOW_TYPES, counts, strict=True) for _ in range(n)]
    rng.shuffle(types)
    return types


def _timeout_for(rng: random.Random) -> tuple[bool, TimeoutSpec]:
    roll = rng.random()
    if roll < 0.62:
        return True, TimeoutSpec("literal", 60)
    if roll < 0.68:
        return True, TimeoutSpec("make", rng.choice((5, 10)))
    if roll < 0.86:
        return False, TimeoutSpec(
            "literal", rng.choice((2, 3, 5, 8, 15, 20, 30, 45, 2.5))
        )
    if roll < 0.93:
        return False, TimeoutSpec("make", rng.choice((5, 8, 2.5)))
    if roll < 0.98:
        return False, TimeoutSpec("variable")
    return False, TimeoutSpec("empty")


def _call(rng: random.Random, action: Json, secure: bool | None = None) -> CallSpec:
    use_suggested, timeout = _timeout_for(rng)
    properties = (
        ((action.get("contract") or {}).get("input") or {})
        .get("inputSchema", {})
        .get("properties", {})
    )
    return CallSpec(
        action_id=action["id"],
        action_name=action["name"],
        category=action["category"],
        secure=action["secure"] if secure is None else secure,
        use_suggested=use_suggested,
        timeout=timeout,
        depth=rng.choice((0, 0, 0, 1, 2, 3)),
        input_names=tuple(list(properties)[:3]),
    )


class _FlowSeeder:
    """Builds the flows of one org from its callable actions."""

    def __init__(self, rng: random.Random, callable_actions: list[Json]) -> None:
        self.rng = rng
        self.pool = callable_actions
        # Actions with 3 s are called more often, so the common job has consumers.
        self.popular = [
            a
            for a in callable_actions
            if (a.get("config") or {}).get("timeoutSeconds") == 3
        ]
        self.showcase: list[tuple[bool, TimeoutSpec, int]] = [
            (False, TimeoutSpec("literal", 2.5), 3),
            (False, TimeoutSpec("make", 5), 0),
            (False, TimeoutSpec("variable"), 1),
            (False, TimeoutSpec("literal", 3), 2),
            (True, TimeoutSpec("make", 10), 0),
            (False, TimeoutSpec("empty"), 0),
            (False, TimeoutSpec("make", 2.5), 4),
        ]

    def _showcase(self, call: CallSpec) -> CallSpec:
        """Give the first calls the rare shapes, so even a small org has each one."""
        if not self.showcase:
            return call
        use_suggested, timeout, depth = self.showcase.pop(0)
        return dataclasses.replace(
            call, use_suggested=use_suggested, timeout=timeout, depth=depth
        )

    def _pick(self, count: int) -> list[Json]:
        picked: dict[str, Json] = {}
        for _ in range(count):
            source = (
                self.popular if self.popular and self.rng.random() < 0.35 else self.pool
            )
            action = self.rng.choice(source)
            picked[action["id"]] = action
        return list(picked.values())

    def flow(
        self, index: int, flow_type: str, name: str, special: str | None
    ) -> FlowRecord:
        rng = self.rng
        flow_id = _uuid(rng)
        calls = (
            [self._showcase(_call(rng, a)) for a in self._pick(rng.randint(1, 7))]
            if self.pool
            else []
        )
        if special == "ghost":
            ghost = {
                "id": f"custom_-_{_uuid(rng)}",
                "name": "Deleted Lookup",
                "category": "Genesys Cloud Data Actions",
                "secure": False,
            }
            calls.append(_call(rng, ghost))
        published = rng.randint(1, 6)
        documents: dict[str, Json] = {}
        published_doc = build_document(rng, name, flow_type, calls)
        for number in range(1, published + 1):
            documents[f"{number}.0"] = published_doc
        checked_in = f"{published}.0"
        if special in ("newer", "draft-only") and self.pool:
            present = {c.action_id for c in calls}
            candidates = [a for a in self.pool if a["id"] not in present]
            extra = rng.sample(candidates, min(2, len(candidates)))
            newer_calls = calls[1:] + [_call(rng, a) for a in extra]
            checked_in = f"{published + 1}.0"
            documents[checked_in] = build_document(rng, name, flow_type, newer_calls)
        return FlowRecord(
            id=flow_id,
            name=name,
            type=flow_type,
            description=f"{name} ({flow_type.lower()} flow)",
            division={},
            documents=documents,
            published_version=None if special == "draft-only" else f"{published}.0",
            checked_in_version=checked_in,
            created_ms=1_700_000_000_000 + index * 86_400_000,
        )


def _flow_specials(count: int) -> dict[int, str]:
    """Which flows get a newer checked-in version, a deleted action, or no publish."""
    specials: dict[int, str] = {}
    newer = max(3, count // 7) if count >= 6 else min(count, 1)
    for index in range(newer):
        specials[(index * 5 + 1) % max(count, 1)] = "newer"
    if count >= 8:
        specials[count - 1] = "draft-only"
        specials[count - 2] = "ghost"
    return specials


def _flow_name(flow_type: str, index: int, used: set[str]) -> str:
    options = _FLOW_NAMES[flow_type]
    name = options[index % len(options)]
    suffix = 1
    while name in used:
        suffix += 1
        name = f"{options[index % len(options)]} {suffix}"
    used.add(name)
    return name


def _index_dependencies(state: OrgState) -> None:
    index: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for flow in state.flows.values():
        versions = []
        if flow.published_version is not None:
            versions.append((flow.published_version, "published"))
        if flow.checked_in_version is not None:
            versions.append((flow.checked_in_version, "checkedIn"))
        for version, kind in versions:
            seen: set[tuple[str, str]] = set()
            for step in find_calls(flow.documents[version]):
                object_type = (
                    "SECUREACTION"
                    if step["__type"] == "DataActionSecure"
                    else "DATAACTION"
                )
                key = (object_type, str(step["actionId"]))
                if key not in seen:
                    seen.add(key)
                    index.setdefault(key, []).append((flow.id, version, kind))
    state.dependencies = index


def seed_org(state: OrgState, seed: int, actions: int, flows: int) -> None:
    """Fill ``state`` with a deterministic org of ``actions`` listed actions and ``flows`` flows."""
    rng = random.Random(seed)
    names = _Names(rng)
    custom_integrations = [
        _integration(rng, n, t, tn) for n, t, tn, _ in _CUSTOM_INTEGRATIONS
    ]
    static_integrations = [
        (_integration(rng, n, t, tn), slug) for n, t, tn, slug in _STATIC_INTEGRATIONS
    ]
    for integration in custom_integrations + [i for i, _ in static_integrations]:
        state.integrations[integration["id"]] = integration

    static_total = min(actions, max(2, round(actions * 0.05)))
    custom_total = actions - static_total
    all_templates = templates()
    rest_templates = [
        t for t in all_templates if t.integration_type == "custom-rest-actions"
    ]
    genesys_templates = [
        t for t in all_templates if t.integration_type == "purecloud-data-actions"
    ]

    custom: list[Json] = []
    counts = _split(custom_total, [share for *_, share in _CUSTOM_INTEGRATIONS])
    for integration, count in zip(custom_integrations, counts, strict=True):
        type_id = integration["integrationType"]["id"]
        pool = rest_templates if type_id == "custom-rest-actions" else genesys_templates
        for _ in range(count):
            template = rng.choice(pool)
            secure = type_id != "function-data-actions" and rng.random() < 0.06
            action = _action(
                f"custom_-_{_uuid(rng)}",
                names.take(template.name),
                integration,
                template,
                rng.randint(1, 12),
                secure,
            )
            custom.append(action)
    _assign_timeouts(rng, custom)

    statics: list[Json] = []
    for (integration, slug), count in zip(
        static_integrations, _split(static_total, [0.5, 0.5]), strict=True
    ):
        statics.extend(_static_actions(rng, integration, slug, count))
    auth = [
        _custom_auth_action(i)
        for i in custom_integrations
        if i["integrationType"]["id"] == "custom-rest-actions"
    ]

    ordered = custom + statics
    rng.shuffle(ordered)
    for action in ordered + auth:
        state.actions[action["id"]] = action

    editable = [a for a in custom if not a["secure"]] + [
        a for a in custom if a["secure"]
    ][:1]
    for variant, action in enumerate(
        rng.sample(editable, min(len(editable), max(5, len(custom) // 40)))
    ):
        state.drafts[action["id"]] = _make_draft(rng, action, variant)
    if custom_integrations and genesys_templates:
        for _ in range(2):
            template = rng.choice(genesys_templates)
            action = _action(
                f"custom_-_{_uuid(rng)}",
                names.take(f"{template.name} (new)"),
                custom_integrations[0],
                template,
                1,
                False,
            )
            action["selfUri"] = f"/api/v2/integrations/actions/{action['id']}/draft"
            state.drafts[action["id"]] = action

    seeder = _FlowSeeder(rng, custom + statics[:2])
    specials = _flow_specials(flows)
    used: set[str] = set()
    for index, flow_type in enumerate(_flow_types(rng, flows)):
        record = seeder.flow(
            index, flow_type, _flow_name(flow_type, index, used), specials.get(index)
        )
        state.flows[record.id] = record
    home = {"id": _uuid(rng), "name": "Home"}
    home["selfUri"] = f"/api/v2/authorization/divisions/{home['id']}"
    for record in state.flows.values():
        record.division = dict(home)
    _index_dependencies(state)
