"""Checks the platform applies to bodies that change an action or draft."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import ApiError

__all__ = [
    "CUSTOM_AUTH_PREFIX",
    "STATIC_PREFIX",
    "check_version",
    "clean_config",
    "clean_contract",
    "require_object",
    "require_version",
    "validation_errors",
]

STATIC_PREFIX = "static_-_"
CUSTOM_AUTH_PREFIX = "customAuth_-_"
MIN_TIMEOUT = 1
MAX_TIMEOUT = 60
REQUEST_TYPES = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE"})

# The keys ActionConfig, RequestConfig and ResponseConfig know. Anything else
# in a written config is dropped silently, as the platform's JSON binding does:
# a client that writes a misspelt key sees success and no change.
_CONFIG_KEYS = ("timeoutSeconds", "request", "response")
_REQUEST_KEYS = (
    "requestUrlTemplate",
    "requestTemplate",
    "requestTemplateUri",
    "requestType",
    "headers",
)
_RESPONSE_KEYS = (
    "translationMap",
    "translationMapDefaults",
    "successTemplate",
    "successTemplateUri",
)


def require_object(body: Any, what: str) -> dict[str, Any]:
    """``body`` as a JSON object, or a 400 naming ``what``."""
    if not isinstance(body, dict):
        msg = f"The request body for {what} must be a JSON object."
        raise ApiError(400, msg, code="bad.request")

    return body


def require_version(body: Mapping[str, Any]) -> int:
    """The ``version`` a write claims to be based on; it is mandatory."""
    version = body.get("version")
    if version is None:
        raise ApiError(400, "version is required.", code="bad.request", field="version")
    if isinstance(version, bool) or not isinstance(version, int):
        msg = f"version must be an integer, not {version!r}."
        raise ApiError(400, msg, code="invalid.value", field="version")

    return version


def check_version(supplied: int, current: int, style: str, entity_id: str) -> None:
    """Refuse a write based on a version other than the current one."""
    if supplied == current:
        return
    params = {"supplied": str(supplied), "current": str(current)}
    if style == "400":
        msg = (
            f"Supplied version {supplied} does not match the current version {current}."
        )
        raise ApiError(400, msg, code="bad.request", params=params, entity_id=entity_id)
    msg = (
        f"The action was modified by another request: version {supplied} was "
        f"supplied but the current version is {current}."
    )
    raise ApiError(409, msg, code="conflict", params=params, entity_id=entity_id)


def _check_timeout(value: Any, *, custom_auth: bool) -> None:
    if custom_auth:
        msg = "timeoutSeconds is not allowed on a custom authentication action."
        raise ApiError(400, msg, code="invalid.value", field="config.timeoutSeconds")
    # JSON true is an int in Python; the platform's binding refuses it.
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not MIN_TIMEOUT <= value <= MAX_TIMEOUT
    ):
        msg = f"timeoutSeconds must be an integer from 1 to 60; {value!r} is not valid."
        raise ApiError(
            400,
            msg,
            code="invalid.value",
            field="config.timeoutSeconds",
            params={"value": repr(value)},
        )


def _clean_section(section: Any, keys: tuple[str, ...], name: str) -> dict[str, Any]:
    if not isinstance(section, dict):
        msg = f"config.{name} must be a JSON object."
        raise ApiError(400, msg, code="invalid.value", field=f"config.{name}")

    return {key: section[key] for key in keys if key in section}


def clean_config(config: Any, *, custom_auth: bool) -> dict[str, Any]:
    """Validate a written config and return what the platform stores.

    The written config replaces the stored one wholesale (the harsh reading
    of an undocumented behaviour): sections it leaves out are gone after the
    write, and a config without ``timeoutSeconds`` clears the timeout.
    """
    if not isinstance(config, dict):
        raise ApiError(400, "config must be a JSON object.", code="invalid.value")
    stored: dict[str, Any] = {}
    timeout = config.get("timeoutSeconds")
    if timeout is not None:
        _check_timeout(timeout, custom_auth=custom_auth)
        stored["timeoutSeconds"] = timeout
    if config.get("request") is not None:
        request = _clean_section(config["request"], _REQUEST_KEYS, "request")
        method = request.get("requestType")
        if method is not None and method not in REQUEST_TYPES:
            msg = f"config.request.requestType {method!r} is not one of {sorted(REQUEST_TYPES)}."
            raise ApiError(
                400, msg, code="invalid.value", field="config.request.requestType"
            )
        stored["request"] = request
    if config.get("response") is not None:
        stored["response"] = _clean_section(
            config["response"], _RESPONSE_KEYS, "response"
        )

    return {key: stored[key] for key in _CONFIG_KEYS if key in stored}


def clean_contract(contract: Any) -> dict[str, Any]:
    """The stored form of a draft's written contract (input and output)."""
    if not isinstance(contract, dict):
        raise ApiError(400, "contract must be a JSON object.", code="invalid.value")
    stored: dict[str, Any] = {}
    schema_in = (contract.get("input") or {}).get("inputSchema")
    schema_out = (contract.get("output") or {}).get("successSchema")
    if isinstance(schema_in, dict):
        stored["input"] = {"inputSchema": schema_in}
    if isinstance(schema_out, dict):
        stored["output"] = {"successSchema": schema_out}

    return stored


def validation_errors(action: Mapping[str, Any]) -> list[str]:
    """What stops an action or draft from running or being published."""
    problems: list[str] = []
    config = action.get("config") or {}
    request = config.get("request")
    response = config.get("response")
    if not isinstance(request, dict) or not request.get("requestUrlTemplate"):
        if not str(action.get("id", "")).startswith(STATIC_PREFIX):
            problems.append("config.request.requestUrlTemplate is missing.")
    elif request.get("requestType") not in REQUEST_TYPES:
        problems.append("config.request.requestType is missing or invalid.")
    if not isinstance(response, dict) or "successTemplate" not in response:
        problems.append("config.response.successTemplate is missing.")
    contract = action.get("contract") or {}
    if not (contract.get("input") or {}).get("inputSchema"):
        problems.append("contract.input.inputSchema is missing.")
    if not (contract.get("output") or {}).get("successSchema"):
        problems.append("contract.output.successSchema is missing.")

    return problems
