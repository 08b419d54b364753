"""Bearer authentication and the role table of the operator API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from evgw.api import create_api_token
from evgw.domain import Role
from evgw.security import api_secret_hash

from tests.integration.test_api_support import Api, error_of, open_api

# (method, path below /api/v1, body, least role) - written from the contract, not the code.
ROUTES = [
    ("GET", "chargers", None, Role.VIEWER),
    ("POST", "chargers", {"id": "NEW1"}, Role.ADMIN),
    ("GET", "chargers/CP1", None, Role.VIEWER),
    ("PATCH", "chargers/CP1", {"site_id": "S1"}, Role.OPERATOR),
    ("DELETE", "chargers/CP1", None, Role.ADMIN),
    ("POST", "chargers/CP1/ocpp/Reset", {"type": "Soft"}, Role.OPERATOR),
    ("GET", "tokens", None, Role.VIEWER),
    ("GET", "tokens/TAG1", None, Role.VIEWER),
    ("PUT", "tokens/TAG1", {"status": "Blocked"}, Role.OPERATOR),
    ("DELETE", "tokens/TAG1", None, Role.OPERATOR),
    ("GET", "transactions", None, Role.VIEWER),
    ("GET", "transactions/nope", None, Role.VIEWER),
    ("GET", "flags", None, Role.VIEWER),
]
RANK = [Role.VIEWER, Role.OPERATOR, Role.ADMIN]


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as api:
        await api.register("CP1")
        await api.request("PUT", "tokens/TAG1", json={"status": "Accepted"})
        yield api


Route = tuple[str, str, object, Role]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", RANK)
async def test_role_table(api: Api, route: Route, role: Role) -> None:
    method, path, body, least = route
    response = await api.request(method, path, role=role, json=body)
    if RANK.index(role) < RANK.index(least):
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    else:
        assert response.status_code not in (401, 403), response.text


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("authorization", "challenge_error"),
    [
        (None, None),
        ("Bearer evgw_not-a-real-token", "invalid_token"),
        ("Bearer", "invalid_request"),
        ("Basic YWRtaW46YWRtaW4=", "invalid_request"),
        ("Bearer " + "x" * 300, "invalid_request"),
    ],
)
async def test_unauthenticated_is_401(
    api: Api, route: Route, authorization: str | None, challenge_error: str | None
) -> None:
    method, path, body, _ = route
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await api.request(method, path, role=None, json=body, headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    if challenge_error:
        assert f'error="{challenge_error}"' in challenge


async def test_scheme_is_case_insensitive(api: Api) -> None:
    headers = {"Authorization": f"bearer {api.secrets[Role.VIEWER]}"}
    response = await api.request("GET", "chargers", role=None, headers=headers)
    assert response.status_code == 200


async def test_created_token_stores_only_the_hash(api: Api) -> None:
    secret = await create_api_token(api.store, Role.OPERATOR, "ci pipeline")
    token = await api.store.find_api_token(api_secret_hash(secret))
    assert token is not None
    assert (token.role, token.label) == (Role.OPERATOR, "ci pipeline")
    assert await api.store.find_api_token(secret) is None


@pytest.mark.parametrize("label", ["", "x" * 201, "tab\there"])
async def test_token_label_is_checked(api: Api, label: str) -> None:
    with pytest.raises(ValueError, match="label"):
        await create_api_token(api.store, Role.VIEWER, label)


async def test_root_endpoints_need_no_token(api: Api) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        response = await api.request("GET", path, role=None)
        assert response.status_code == 200, path
