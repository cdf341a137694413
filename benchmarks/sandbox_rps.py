"""Requests per second the sandbox sustains through the official SDK.

Not a test: run ``python benchmarks/sandbox_rps.py`` and read the numbers.
It measures listing (one page of 100 actions with config), single GETs and
PATCHes (the whole config, with the current version), in-process (WSGI, no
sockets) and over loopback HTTP. A last pair of lines
calls the WSGI app without the SDK, to show how much of the time is the
SDK's own model deserialisation.
"""

from __future__ import annotations

import argparse
import base64
import time
from collections.abc import Callable
from typing import Any

from genesys_timeouts._sdk import ApiClient, IntegrationsApi, Transport, UrllibSender
from genesys_timeouts.sandbox import Sandbox


def _client(sb: Sandbox, host: str, transport: Transport) -> Any:
    client = ApiClient(host=host)
    client.set_http_client(transport)
    client.get_client_credentials_token(sb.client_id, sb.client_secret)
    return IntegrationsApi(client)


def _rate(call: Callable[[], Any], seconds: float) -> float:
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        call()
        count += 1
    return count / elapsed


def _measure(label: str, sb: Sandbox, api: Any, ids: list[str], seconds: float) -> None:
    position = iter(range(10**9))

    def list_page() -> Any:
        return api.get_integrations_actions(
            page_size=100, page_number=next(position) % 3 + 1, include_config=True
        )

    def get_one() -> Any:
        return api.get_integrations_action(
            ids[next(position) % len(ids)], include_config=True
        )

    def patch_one() -> Any:
        # The version and config come from platform-side state, so each
        # measured call is one PATCH that succeeds.
        current = sb.actions[ids[next(position) % len(ids)]]
        body = {
            "name": current["name"],
            "category": current["category"],
            "config": {**current["config"], "timeoutSeconds": 10},
            "version": current["version"],
        }
        return api.patch_integrations_action(current["id"], body)

    print(f"{label:<12} list (100/page): {_rate(list_page, seconds):8.0f} req/s")
    print(f"{label:<12} get one:         {_rate(get_one, seconds):8.0f} req/s")
    print(f"{label:<12} patch one:       {_rate(patch_one, seconds):8.0f} req/s")


def _measure_raw(sb: Sandbox, ids: list[str], seconds: float) -> None:
    from werkzeug.test import Client

    client = Client(sb.app)
    basic = base64.b64encode(f"{sb.client_id}:{sb.client_secret}".encode()).decode()
    login = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}  # type: ignore[index]
    position = iter(range(10**9))

    def list_page() -> Any:
        query = {
            "pageSize": 100,
            "pageNumber": next(position) % 3 + 1,
            "includeConfig": "true",
        }
        return client.get(
            "/api/v2/integrations/actions", query_string=query, headers=headers
        )

    def get_one() -> Any:
        path = f"/api/v2/integrations/actions/{ids[next(position) % len(ids)]}"
        return client.get(path, query_string={"includeConfig": "true"}, headers=headers)

    print(f"{'no SDK':<12} list (100/page): {_rate(list_page, seconds):8.0f} req/s")
    print(f"{'no SDK':<12} get one:         {_rate(get_one, seconds):8.0f} req/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="time per measurement"
    )
    args = parser.parse_args()
    sb = Sandbox(seed=7, actions=300, flows=40, rate_limit_per_minute=None)
    ids = [i for i in sb.actions if i.startswith("custom_-_")][:100]

    in_process = _client(sb, sb.base_url, sb.transport())
    _measure("in-process", sb, in_process, ids, args.seconds)
    with sb.serve() as url:
        loopback = _client(sb, url, Transport(UrllibSender(10.0)))
        _measure("loopback", sb, loopback, ids, args.seconds)
    _measure_raw(sb, ids, args.seconds)


if __name__ == "__main__":
    main()
