"""The loopback server: real sockets, clean shutdown, loopback only."""

from __future__ import annotations

import base64
import http.client
import json
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from genesys_timeouts.sandbox import Sandbox


@pytest.mark.loopback
def test_serve_answers_and_shuts_down_cleanly(sb: Sandbox) -> None:
    """A keep-alive client gets a token and data; leaving the block closes its socket and joins every thread."""
    before = threading.active_count()
    basic = base64.b64encode(f"{sb.client_id}:{sb.client_secret}".encode()).decode()
    with sb.serve() as url:
        connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=5)
        connection.request(
            "POST",
            "/oauth/token",
            body="grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        token = json.loads(connection.getresponse().read())["access_token"]
        connection.request(
            "GET",
            "/api/v2/integrations/actions",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = connection.getresponse()
        body = json.loads(response.read())
    connection.close()

    assert response.status == 200
    assert body["total"] == 60
    assert threading.active_count() == before


@pytest.mark.loopback
def test_unauthenticated_request_over_http(sb: Sandbox) -> None:
    """Over HTTP a request without a token gets 401 with the Genesys body."""
    with sb.serve() as url, pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{url}/api/v2/integrations/actions")
    error = caught.value
    body = error.read()
    error.close()

    assert error.code == 401
    assert b"authentication.required" in body


def test_serve_refuses_other_hosts(sb: Sandbox) -> None:
    """serve() binds to loopback only."""
    with pytest.raises(ValueError, match="loopback"), sb.serve(host="0.0.0.0"):
        pass


@pytest.mark.loopback
def test_serve_command_answers_a_full_listing_of_ten_thousand() -> None:
    """`sandbox serve --actions 10000` binds to loopback, prints URL and credentials, and pages out every action."""
    command = [sys.executable, "-m", "genesys_timeouts", "sandbox", "serve"]
    options = ["--port", "0", "--actions", "10000", "--seed", "3"]
    with subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, text=True
    ) as server:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(3)]
        url = banner[0].split()[-1]
        client_id, secret = (line.split()[-1] for line in banner[1:])
        try:
            ids = _page_all(url, client_id, secret)
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=10)

    assert url.startswith("http://127.0.0.1:")
    assert (len(ids), len(set(ids))) == (10_000, 10_000)
    assert server.returncode == 0


def _page_all(url: str, client_id: str, secret: str) -> list[str]:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    login = urllib.request.Request(
        f"{url}/oauth/token",
        data=b"grant_type=client_credentials",
        headers={"Authorization": f"Basic {basic}"},
    )
    with urllib.request.urlopen(login) as answer:
        token = json.loads(answer.read())["access_token"]
    ids: list[str] = []
    number, count = 1, 1
    while number <= count:
        page = urllib.request.Request(
            f"{url}/api/v2/integrations/actions?pageSize=100&pageNumber={number}"
            "&includeConfig=true",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(page) as answer:
            body = json.loads(answer.read())
        ids += [e["id"] for e in body["entities"]]
        number, count = number + 1, body["pageCount"]

    return ids
