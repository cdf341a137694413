"""Turn the many ways people name a Genesys Cloud region into an API base URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["REGION_DOMAINS", "resolve_base_url"]

#: The SDK's region names and the domain each one serves.
REGION_DOMAINS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}

_DOMAINS = frozenset(REGION_DOMAINS.values())


def _unknown(region: str) -> ConfigurationError:
    names = ", ".join(sorted(REGION_DOMAINS))
    return ConfigurationError(
        f"{region!r} is not a Genesys Cloud region. Give a region name ({names}), "
        "its domain such as mypurecloud.ie, or a full base URL such as "
        "https://api.mypurecloud.ie or http://127.0.0.1:8765."
    )


def resolve_base_url(region: str) -> str:
    """The ``https://api.<domain>`` (or given ``http(s)://host:port``) base URL.

    Accepts ``us_east_1``, ``us-east-1``, ``mypurecloud.ie``,
    ``api.mypurecloud.ie`` and any ``http://`` or ``https://`` URL.
    """
    text = region.strip() if isinstance(region, str) else ""
    if not text:
        raise _unknown(str(region))

    if "://" in text:
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018  # raises ValueError on a bad port
        except ValueError:  # a bad port, or a malformed IPv6 address
            raise _unknown(region) from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise _unknown(region)
        if parts.username is not None or parts.password is not None:
            # The client credentials go in the token request, never in a URL,
            # which would end up in logs and error messages.
            raise ConfigurationError(
                "The base URL must not carry a user name or password; give the "
                "client id and secret as credentials instead."
            )
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    name = text.lower().replace("-", "_")
    if name in REGION_DOMAINS:
        return f"https://api.{REGION_DOMAINS[name]}"

    domain = text.lower().removeprefix("api.").removeprefix("login.").rstrip("/")
    if domain in _DOMAINS:
        return f"https://api.{domain}"

    raise _unknown(region)
