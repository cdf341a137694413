"""The loopback server: real sockets, clean shutdown, loopback only."""

from __future__ import annotations

import base64
import http.client
import json
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
