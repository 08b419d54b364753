"""/api/v1/chargers: registration CRUD, validation, live state."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from evgw.api._fields import MAX_BODY_BYTES
from evgw.security import verify_password

from tests.integration.test_api_support import (
    PASSWORD,
    Api,
    error_of,
    open_api,
    violated_fields,
)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as api:
        yield api


def assert_no_secret(body: Any) -> None:
    text = json.dumps(body)
    assert '"password"' not in text
    assert "password_hash" not in text
    assert "scrypt$" not in text
    assert PASSWORD not in text


async def test_register_read_list(api: Api) -> None:
    created = await api.register(
        "CP-1", security_profile=2, password=PASSWORD, boot_policy="Pending", site_id="S1"
    )
    assert created.headers["Location"] == "/api/v1/chargers/CP-1"
    body = created.json()
    assert_no_secret(body)
    assert body["id"] == "CP-1"
    assert (body["security_profile"], body["boot_policy"], body["site_id"]) == (2, "Pending", "S1")
    assert body["has_password"] is True
    assert body["connection"] == {"connected": False, "ocpp_version": None, "connected_at": None}
    assert (await api.request("GET", "chargers/CP-1")).json() == body
    listed = (await api.request("GET", "chargers")).json()
    assert listed == {"items": [body], "limit": 100, "offset": 0}


async def test_password_is_stored_as_a_hash(api: Api) -> None:
    await api.register("CP1", password=PASSWORD)
    record = await api.store.get_charger("CP1")
    assert record is not None
    assert record.registration.password_hash is not None
    assert verify_password(PASSWORD, record.registration.password_hash)


async def test_defaults(api: Api) -> None:
    body = (await api.register("CP1")).json()
    assert (body["security_profile"], body["boot_policy"], body["has_password"]) == (
        1,
        "Accepted",
        False,
    )


async def test_duplicate_is_409(api: Api) -> None:
    await api.register("CP1")
    response = await api.request("POST", "chargers", json={"id": "CP1"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


async def test_patch_is_partial(api: Api) -> None:
    await api.register("CP1", password=PASSWORD, site_id="S1", serial_number="SN9")
    response = await api.request("PATCH", "chargers/CP1", json={"boot_policy": "Rejected"})
    assert response.status_code == 200
    body = response.json()
    assert body["boot_policy"] == "Rejected"
    assert (body["site_id"], body["serial_number"]) == ("S1", "SN9")
    assert body["has_password"] is True
    cleared = await api.request("PATCH", "chargers/CP1", json={"password": None, "site_id": None})
    assert (cleared.json()["has_password"], cleared.json()["site_id"]) == (False, None)


async def test_delete(api: Api) -> None:
    await api.register("CP1")
    assert (await api.request("DELETE", "chargers/CP1")).status_code == 204
    for method in ("GET", "DELETE"):
        response = await api.request(method, "chargers/CP1")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert (await api.request("PATCH", "chargers/CP1", json={})).status_code == 404


async def test_delete_disconnects_the_charger(api: Api) -> None:
    await api.register("CP1")
    api.commander.connect("CP1")
    assert (await api.request("DELETE", "chargers/CP1")).status_code == 204
    assert api.commander.disconnected == [("CP1", "registration deleted")]
    assert api.commander.connection("CP1") is None


async def test_live_connection(api: Api) -> None:
    await api.register("CP1")
    api.commander.connect("CP1", "ocpp2.0.1")
    body = (await api.request("GET", "chargers/CP1")).json()
    assert body["connection"] == {
        "connected": True,
        "ocpp_version": "ocpp2.0.1",
        "connected_at": "2030-01-02T03:04:05Z",
    }


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"id"}),
        ({"id": ""}, {"id"}),
        ({"id": "a:b"}, {"id"}),
        ({"id": "a/b"}, {"id"}),
        ({"id": "a b"}, {"id"}),
        ({"id": "bell\u0007"}, {"id"}),
        ({"id": "x" * 49}, {"id"}),
        ({"id": 5}, {"id"}),
        ({"id": None}, {"id"}),
        ({"id": "ok", "security_profile": 4}, {"security_profile"}),
        ({"id": "ok", "security_profile": -1}, {"security_profile"}),
        ({"id": "ok", "security_profile": True}, {"security_profile"}),
        ({"id": "ok", "security_profile": "1"}, {"security_profile"}),
        ({"id": "ok", "security_profile": 1.0}, {"security_profile"}),
        ({"id": "ok", "password": "too-short"}, {"password"}),
        ({"id": "ok", "password": "x" * 41}, {"password"}),
        ({"id": "ok", "boot_policy": "accepted"}, {"boot_policy"}),
        ({"id": "ok", "site_id": 3}, {"site_id"}),
        ({"id": "ok", "serial_number": ""}, {"serial_number"}),
        ({"id": "ok", "colour": "red"}, {"colour"}),
        ({"id": "a:b", "security_profile": 9, "extra": 1}, {"id", "security_profile", "extra"}),
        ([], {"body"}),
        ("CP1", {"body"}),
        (None, {"body"}),
    ],
)
async def test_create_rejects(api: Api, body: object, fields: set[str]) -> None:
    response = await api.request("POST", "chargers", json=body)
    assert violated_fields(response) == fields
    assert (await api.request("GET", "chargers")).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"id": "CP2"}, {"id"}),
        ({"security_profile": None}, {"security_profile"}),
        ({"boot_policy": None}, {"boot_policy"}),
        ({"password": "short"}, {"password"}),
    ],
)
async def test_patch_rejects(api: Api, body: object, fields: set[str]) -> None:
    await api.register("CP1")
    assert violated_fields(await api.request("PATCH", "chargers/CP1", json=body)) == fields


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"{",
        b'{"id": "a", "id": "b"}',
        b'{"id": "a", "security_profile": NaN}',
        b'{"id": "a", "security_profile": Infinity}',
        b"\xff\xfe",
        b"{'id': 'single quotes'}",
    ],
)
async def test_malformed_json(api: Api, raw: bytes) -> None:
    response = await api.request("POST", "chargers", content=raw)
    assert violated_fields(response) == {"body"}


async def test_oversized_body_is_413(api: Api) -> None:
    raw = b'{"id": "CP1", "site_id": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await api.request("POST", "chargers", content=raw)
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("limit=0", {"limit"}),
        ("limit=1001", {"limit"}),
        ("limit=ten", {"limit"}),
        ("limit=1.5", {"limit"}),
        ("offset=-1", {"offset"}),
        ("limit=1&limit=2", {"limit"}),
        ("lmit=5", {"lmit"}),
    ],
)
async def test_list_query_rejects(api: Api, query: str, fields: set[str]) -> None:
    assert violated_fields(await api.request("GET", f"chargers?{query}")) == fields


async def test_paging(api: Api) -> None:
    for n in range(5):
        await api.register(f"CP{n}")
    page = (await api.request("GET", "chargers?limit=2&offset=1")).json()
    assert (page["limit"], page["offset"], len(page["items"])) == (2, 1, 2)


async def test_wrong_method_and_unknown_path(api: Api) -> None:
    wrong = await api.request("PUT", "chargers/CP1", json={})
    assert wrong.status_code == 405
    assert error_of(wrong)["code"] == "method_not_allowed"
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PATCH", "DELETE"}
    unknown = await api.request("GET", "chargerz")
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "not_found"


async def test_unexpected_error_is_500_without_details(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**_: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.store, "list_chargers", broken)
    response = await api.request("GET", "chargers")
    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert "secret internals" in caplog.text
