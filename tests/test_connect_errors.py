"""connect() explains missing or unusable settings and never leaks the secret."""

from __future__ import annotations

import socket

import pytest

from genesys_timeouts import ConfigurationError, connect

SECRET = "s3cr3t-value-never-shown"

MISSING = [
    ({}, "client id", "GENESYSCLOUD_OAUTHCLIENT_ID"),
    ({"GENESYS_CLIENT_ID": "abc"}, "client secret", "GENESYSCLOUD_OAUTHCLIENT_SECRET"),
    (
        {"GENESYS_CLIENT_ID": "abc", "GENESYS_CLIENT_SECRET": SECRET},
        "region",
        "GENESYSCLOUD_REGION",
    ),
]


@pytest.mark.parametrize(
    ("env", "what", "variable"), MISSING, ids=[m[1] for m in MISSING]
)
def test_missing_settings_name_the_variables(
    env: dict[str, str], what: str, variable: str
) -> None:
    """Each missing setting is named, with the environment variables that supply it."""
    with pytest.raises(ConfigurationError, match=variable) as info:
        connect(env=env)

    assert what in str(info.value)
    assert SECRET not in str(info.value)


def test_wrong_region_is_a_configuration_error() -> None:
    """A region that does not exist is refused before any request."""
    with pytest.raises(ConfigurationError, match="not a Genesys Cloud region"):
        connect("id", SECRET, "us-middle-9")


@pytest.mark.parametrize("timeout", [0, -1, True, "30"])
def test_bad_request_timeout_is_refused(timeout: object) -> None:
    """The request timeout must be a positive number."""
    with pytest.raises(ConfigurationError, match="timeout"):
        connect("id", SECRET, "us_east_1", timeout_seconds=timeout)  # type: ignore[arg-type]  # the point of the test


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_base_url_is_a_configuration_error() -> None:
    """Nothing listening at the base URL gives a clear error, not a traceback, and no secret."""
    with pytest.raises(ConfigurationError, match="Could not reach") as info:
        connect("id", SECRET, f"http://127.0.0.1:{_closed_port()}", timeout_seconds=2)

    assert SECRET not in str(info.value)
