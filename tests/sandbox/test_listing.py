"""Listing actions and drafts: paging, filters, limits and includeConfig."""

from __future__ import annotations

import pytest

from genesys_timeouts.sandbox import Sandbox
from tests.sandbox.sandbox_helpers import Raw

ACTIONS = "/api/v2/integrations/actions"

BAD_QUERIES = [
    pytest.param({"pageSize": 101}, id="page-over-100"),
    pytest.param({"pageSize": 0}, id="page-zero"),
    pytest.param({"pageNumber": 0}, id="page-number-zero"),
    pytest.param({"pageSize": "many"}, id="page-not-int"),
    pytest.param({"includeConfig": "yes"}, id="flag-not-bool"),
    pytest.param({"sortBy": "colour"}, id="unknown-sort"),
    pytest.param(
        {"ids": ",".join(f"custom_-_{n}" for n in range(51))}, id="too-many-ids"
    ),
]


def _page_through(raw: Raw, path: str, size: int, **query: object) -> list[str]:
    ids: list[str] = []
    number = 1
    while True:
        body = raw.get(path, pageSize=size, pageNumber=number, **query).json
        assert body is not None
        ids += [e["id"] for e in body["entities"]]
        if number >= body["pageCount"] or not body["entities"]:
            return ids
        number += 1


@pytest.fixture(scope="module")
def big() -> Raw:
    """An org with 289 listed actions, the size a peer tool once lost the tail of."""
    return Raw(Sandbox(seed=3, actions=289, flows=5))


@pytest.mark.parametrize("size", [100, 25])
def test_paging_returns_every_action_once(big: Raw, size: int) -> None:
    """Paging 289 actions returns each exactly once, whatever the page size."""
    ids = _page_through(big, ACTIONS, size)

    assert len(ids) == 289
    assert len(set(ids)) == 289


def test_listing_envelope(big: Raw) -> None:
    """A page carries totals and links; the last page has no nextUri."""
    first = big.get(ACTIONS, pageSize=100).json
    last = big.get(ACTIONS, pageSize=100, pageNumber=3).json

    assert first is not None
    assert last is not None
    assert {
        "entities",
        "pageSize",
        "pageNumber",
        "total",
        "pageCount",
        "firstUri",
        "selfUri",
        "nextUri",
        "lastUri",
    } <= set(first)
    assert {"firstUri", "selfUri", "previousUri", "lastUri"} <= set(last)
    assert (first["total"], first["pageCount"], first["pageNumber"]) == (289, 3, 1)
    assert "pageNumber=1" in first["firstUri"]
    assert "pageNumber=3" in first["lastUri"]
    assert "pageNumber=2" in last["previousUri"]
    assert "pageNumber=2" in first["nextUri"]
    assert "previousUri" not in first
    assert "nextUri" not in last
    assert len(last["entities"]) == 89


def test_next_page_token(big: Raw) -> None:
    """A nextPage token from the listing's own cursor moves to that page."""
    from genesys_timeouts.sandbox._paging import page_token

    second = big.get(ACTIONS, pageSize=100, nextPage=page_token(2)).json

    assert second is not None
    assert second["pageNumber"] == 2


def test_include_config_is_honoured(raw: Raw) -> None:
    """Without includeConfig=true no entity has a config; with it, every one does."""
    without = raw.get(ACTIONS, pageSize=100).json
    with_ = raw.get(ACTIONS, pageSize=100, includeConfig=True).json

    assert without is not None
    assert with_ is not None
    assert not any("config" in e for e in without["entities"])
    assert all("config" in e for e in with_["entities"])
    assert not any("contract" in e for e in with_["entities"])


def test_single_get_includes_only_what_was_asked(sb: Sandbox, raw: Raw) -> None:
    """GET one action has config only with includeConfig and contract only with expand=contract."""
    action_id = next(iter(sb.actions))

    bare = raw.get(f"{ACTIONS}/{action_id}").json
    full = raw.get(f"{ACTIONS}/{action_id}", includeConfig=True, expand="contract").json

    assert bare is not None
    assert full is not None
    assert "config" not in bare
    assert "contract" not in bare
    assert full["config"] == sb.actions[action_id]["config"]
    assert full["contract"] == sb.actions[action_id]["contract"]


def test_auth_actions_only_on_request(sb: Sandbox, raw: Raw) -> None:
    """Custom-authentication actions are listed only with includeAuthActions=true."""
    default = _page_through(raw, ACTIONS, 100)
    with_auth = _page_through(raw, ACTIONS, 100, includeAuthActions=True)
    auth = {i for i in sb.actions if i.startswith("customAuth_-_")}

    assert auth
    assert not auth & set(default)
    assert auth <= set(with_auth)
    assert len(default) == 60


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_listing_queries_are_400(raw: Raw, query: dict[str, object]) -> None:
    """Out-of-range or malformed listing parameters get 400."""
    response = raw.get(ACTIONS, **query)

    assert response.status_code == 400
    assert response.json["code"] == "invalid.value"  # type: ignore[index]


def test_filters(sb: Sandbox, raw: Raw) -> None:
    """name matches partially without case, category without case, ids and secure exactly."""
    action = next(a for a in sb.actions.values() if a["id"].startswith("custom_-_"))
    fragment = action["name"][2:8].upper()
    secure = [a["id"] for a in sb.actions.values() if a["secure"]]
    listed = [a for a in sb.actions.values() if not a["id"].startswith("customAuth_")]
    named = {a["id"] for a in listed if fragment.lower() in a["name"].lower()}
    in_category = {a["id"] for a in listed if a["category"] == action["category"]}

    by_name = raw.get(ACTIONS, name=fragment, pageSize=100).json
    by_category = raw.get(
        ACTIONS, category=action["category"].upper(), pageSize=100
    ).json
    by_ids = raw.get(ACTIONS, ids=action["id"]).json
    by_secure = raw.get(ACTIONS, secure="true", pageSize=100).json

    assert by_name is not None
    assert by_category is not None
    assert by_ids is not None
    assert by_secure is not None
    assert action["id"] in named
    assert len(named) < len(listed)
    assert named == {e["id"] for e in by_name["entities"]}
    assert 0 < len(in_category) < len(listed)
    assert in_category == {e["id"] for e in by_category["entities"]}
    assert [e["id"] for e in by_ids["entities"]] == [action["id"]]
    assert sorted(e["id"] for e in by_secure["entities"]) == sorted(secure)


def test_drafts_listing(sb: Sandbox, raw: Raw) -> None:
    """The drafts listing holds exactly the drafts, including never-published ones."""
    ids = _page_through(raw, f"{ACTIONS}/drafts", 25)

    assert sorted(ids) == sorted(sb.drafts)
    assert any(i not in sb.actions for i in ids)


def test_ten_thousand_actions_list() -> None:
    """An org of 10,000 actions builds and pages through, 100 at a time with includeConfig."""
    sb = Sandbox(seed=5, actions=10_000, flows=40, rate_limit_per_minute=None)
    ids = _page_through(Raw(sb), ACTIONS, 100, includeConfig=True)

    assert len(ids) == 10_000
    assert sb.exceeds_action_limit
