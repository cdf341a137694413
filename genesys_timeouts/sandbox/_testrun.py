"""A plausible ``TestExecutionResult`` for ``POST .../{id}/test``.

Nothing is called: the sandbox checks the input against the contract and the
config for the pieces a run needs, and fabricates output from the success
schema. A broken config (for instance one a partial PATCH wiped) fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._validate import validation_errors

__all__ = ["run_test"]

_PLACEHOLDERS: Mapping[str, Any] = {
    "string": "sample",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}


def _error(
    message: str, code: str = "ACTION.PROCESSING", status: int = 400
) -> dict[str, Any]:
    return {
        "message": message,
        "code": code,
        "status": status,
        "messageParams": {},
        "details": [],
        "errors": [],
    }


def _sample(schema: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    return {
        name: _PLACEHOLDERS.get(str(spec.get("type")), None)
        for name, spec in properties.items()
        if isinstance(spec, Mapping)
    }


def run_test(action: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """The result of test-running ``action`` with input ``body``."""
    contract = action.get("contract") or {}
    input_schema = (contract.get("input") or {}).get("inputSchema") or {}
    operations: list[dict[str, Any]] = []

    missing = [
        n
        for n in input_schema.get("required") or []
        if not isinstance(body, dict) or n not in body
    ]
    step_ok = not missing
    operations.append(
        {"step": 1, "name": "Validate input against schema", "success": step_ok}
    )
    if not step_ok:
        error = _error(f"Input is missing required properties: {', '.join(missing)}.")
        operations[-1]["error"] = error
        return {"operations": operations, "error": error, "success": False}

    problems = validation_errors(action)
    step_ok = not problems
    operations.append(
        {"step": 2, "name": "Resolve request URL template", "success": step_ok}
    )
    if not step_ok:
        error = _error("The action cannot run: " + " ".join(problems))
        operations[-1]["error"] = error
        return {"operations": operations, "error": error, "success": False}

    config = action.get("config") or {}
    request = config.get("request") or {}
    operations.append(
        {
            "step": 3,
            "name": "Execute request",
            "success": True,
            "result": {"requestType": request.get("requestType"), "status": 200},
        }
    )
    output = _sample((contract.get("output") or {}).get("successSchema") or {})
    operations.append(
        {
            "step": 4,
            "name": "Resolve translation map",
            "success": True,
            "result": output,
        }
    )
    operations.append(
        {"step": 5, "name": "Validate output against schema", "success": True}
    )

    return {"operations": operations, "finalResult": output, "success": True}
