"""How stored actions are shown: which keys each read includes."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["action_view", "flatten_schema"]


def flatten_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A ``FlattenedJsonSchemaDocument``: nested properties joined by dots."""
    flat: dict[str, Any] = {}
    arrays: list[str] = []

    def walk(properties: Mapping[str, Any], prefix: str) -> None:
        for name, spec in properties.items():
            path = f"{prefix}{name}"
            if not isinstance(spec, Mapping):
                continue
            if spec.get("type") == "array":
                arrays.append(path)
                items = spec.get("items")
                if isinstance(items, Mapping) and isinstance(
                    items.get("properties"), Mapping
                ):
                    walk(items["properties"], path + ".")
                    continue
            if isinstance(spec.get("properties"), Mapping):
                walk(spec["properties"], path + ".")
                continue
            flat[path] = {k: v for k, v in spec.items() if k != "properties"}

    walk(schema.get("properties") or {}, "")
    document = {k: copy.deepcopy(v) for k, v in schema.items() if k != "properties"}
    document["properties"] = flat

    return {"schema": document, "arrayProperties": arrays}


def _flattened_contract(contract: Mapping[str, Any]) -> dict[str, Any]:
    schema_in = (contract.get("input") or {}).get("inputSchema") or {}
    schema_out = (contract.get("output") or {}).get("successSchema") or {}

    return {
        "input": {"inputSchemaFlattened": flatten_schema(schema_in)["schema"]},
        "output": {"successSchemaFlattened": flatten_schema(schema_out)},
    }


def action_view(
    raw: Mapping[str, Any],
    *,
    include_config: bool,
    include_contract: bool,
    flatten: bool = False,
) -> dict[str, Any]:
    """``raw`` holding only what this read asked for.

    The platform leaves ``config`` out unless ``includeConfig=true`` and the
    contract out unless ``expand=contract``; clients that forget get no
    timeout at all rather than an error. The view shares nested objects with
    ``raw`` (copying made listings several times slower); the app serialises
    it while still holding the org lock, so nobody sees it change.
    """
    view = {
        key: value for key, value in raw.items() if key not in ("config", "contract")
    }
    if include_contract and "contract" in raw:
        contract = raw["contract"]
        view["contract"] = _flattened_contract(contract) if flatten else contract
    if include_config and "config" in raw:
        view["config"] = raw["config"]

    return view
