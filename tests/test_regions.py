"""Region names, domains and base URLs resolve to one API base URL."""

from __future__ import annotations

import pytest

from genesys_timeouts import ConfigurationError, resolve_base_url

RESOLVED = [
    ("us_east_1", "https://api.mypurecloud.com"),
    ("us-east-1", "https://api.mypurecloud.com"),
    ("EU-WEST-1", "https://api.mypurecloud.ie"),
    ("mypurecloud.ie", "https://api.mypurecloud.ie"),
    ("api.mypurecloud.de", "https://api.mypurecloud.de"),
    ("euw2.pure.cloud", "https://api.euw2.pure.cloud"),
    ("https://api.mypurecloud.com.au/", "https://api.mypurecloud.com.au"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    (
        "https://gateway.example.com:8443/genesys",
        "https://gateway.example.com:8443/genesys",
    ),
]

REFUSED = [
    "",
    "   ",
    "mars_north_1",
    "mypurecloud.example",
    "ftp://api.mypurecloud.com",
    "http://:80",
    "http://h:notaport",
    "https://[::1",
    "http://[zz]",
]


@pytest.mark.parametrize(("region", "expected"), RESOLVED, ids=[r for r, _ in RESOLVED])
def test_resolves(region: str, expected: str) -> None:
    """Every accepted spelling of a region gives its API base URL."""
    assert expected == resolve_base_url(region)


@pytest.mark.parametrize("region", REFUSED)
def test_refuses_unknown_regions_with_the_list(region: str) -> None:
    """An unknown region names the valid ones and how to give a URL instead."""
    with pytest.raises(ConfigurationError, match="us_east_1") as info:
        resolve_base_url(region)

    assert "base URL" in str(info.value)


def test_refuses_credentials_in_a_base_url() -> None:
    """A base URL with a user name and password is refused without repeating the password."""
    with pytest.raises(ConfigurationError) as info:
        resolve_base_url("https://user:hunter2@api.mypurecloud.com")

    assert "hunter2" not in str(info.value)
    assert "password" in str(info.value)
