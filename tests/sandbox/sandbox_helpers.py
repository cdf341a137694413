"""Helpers shared by the sandbox tests: a raw HTTP client and id pickers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from werkzeug.test import Client, TestResponse

from genesys_timeouts.sandbox import Sandbox


class Raw:
    """Talks to a sandbox in-process with plain HTTP, holding a token."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.client = Client(sb.app)
        self.token = self.login(sb.client_id, sb.client_secret).json["access_token"]  # type: ignore[index]

    def login(self, client_id: str, secret: str) -> TestResponse:
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return self.client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
            base_url="https://login.sandbox.invalid",
        )

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        **query: Any,
    ) -> TestResponse:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        params = {
            k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in query.items()
        }
        return self.client.open(
            path,
            method=method,
            query_string=params,
            data=data,
            headers=headers,
            base_url="https://api.sandbox.invalid",
        )

    def get(self, path: str, **query: Any) -> TestResponse:
        return self.call("GET", path, **query)


def custom_ids(sb: Sandbox, *, timeout: int | str | None = "any") -> Iterator[str]:
    """Ids of ordinary (editable, non-secure) custom actions."""
    for action_id, action in sb.actions.items():
        if not action_id.startswith("custom_-_") or action["secure"]:
            continue
        if timeout != "any" and action["config"].get("timeoutSeconds") != timeout:
            continue
        yield action_id
