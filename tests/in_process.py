"""One way for the tests to reach a sandbox org in-process."""

from __future__ import annotations

from typing import Any

from genesys_timeouts import RetryPolicy, Session, connect
from genesys_timeouts.sandbox import Sandbox


def in_process_session(sb: Sandbox, app: Any = None) -> Session:
    """A session to ``sb`` with no sockets and instant retries.

    ``app`` stands in front of the org's own WSGI app when given, to watch
    or alter what passes.
    """
    return connect(
        sb.client_id,
        sb.client_secret,
        sb.base_url,
        wsgi_app=sb.app if app is None else app,
        retry=RetryPolicy.instant(),
    )
