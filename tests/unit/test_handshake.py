"""Upgrade checks: path -> identity, subprotocol choice, Basic credentials, failure throttle."""

from __future__ import annotations

import base64

import pytest
from evgw.gateway._handshake import (
    FailureThrottle,
    HandshakeRefused,
    basic_credentials,
    charger_id_from_path,
    choose_subprotocol,
)


@pytest.mark.parametrize(
    ("path", "prefix", "expected"),
    [
        ("/ocpp/CP1", "ocpp", "CP1"),
        ("/ocpp/CP%201", "ocpp", "CP 1"),
        ("/ocpp/CP1?x=1", "ocpp", "CP1"),
        ("/a/b/CP1", "a/b", "CP1"),
        ("/CP1", "", "CP1"),
        ("/ocpp/" + "x" * 48, "ocpp", "x" * 48),
    ],
)
def test_identity_from_path(path: str, prefix: str, expected: str) -> None:
    assert charger_id_from_path(path, prefix) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/ocpp",
        "/ocpp/",
        "/x/CP1",
        "/ocpp/a%3Ab",
        "/ocpp/" + "x" * 49,
        "/ocpp/a/b",
        "/ocpp/%0A",
        "/ocpp/%20CP1",
    ],
)
def test_bad_paths(path: str) -> None:
    with pytest.raises(HandshakeRefused) as info:
        charger_id_from_path(path, "ocpp")
    assert info.value.status == 404


@pytest.mark.parametrize(
    ("offered", "enabled", "expected"),
    [
        (("ocpp1.6",), ("ocpp1.6", "ocpp2.0.1"), "ocpp1.6"),
        (("ocpp1.6", "ocpp2.0.1"), ("ocpp1.6", "ocpp2.0.1"), "ocpp2.0.1"),
        (("ocpp2.0.1", "ocpp1.6"), ("ocpp1.6",), "ocpp1.6"),
    ],
)
def test_subprotocol(offered: tuple[str, ...], enabled: tuple[str, ...], expected: str) -> None:
    assert choose_subprotocol(offered, enabled) == expected


@pytest.mark.parametrize("offered", [(), ("ocpp2.0.1",), ("OCPP1.6",)])
def test_no_common_subprotocol(offered: tuple[str, ...]) -> None:
    with pytest.raises(HandshakeRefused) as info:
        choose_subprotocol(offered, ("ocpp1.6",))
    assert info.value.status == 400


def _basic(raw: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"Authorization", b"Basic " + base64.b64encode(raw))]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (_basic(b"CP1:secret"), ("CP1", "secret")),
        (_basic(b"CP1:se:cret"), ("CP1", "se:cret")),
        (_basic(b"CP1:"), ("CP1", "")),
        (_basic(b"nocolon"), None),
        ([(b"authorization", b"Bearer abc")], None),
        ([(b"authorization", b"Basic !!!")], None),
        (_basic(b"\xff\xfe:x"), None),
        ([], None),
    ],
)
def test_basic_credentials(
    headers: list[tuple[bytes, bytes]], expected: tuple[str, str] | None
) -> None:
    assert basic_credentials(headers) == expected


def test_throttle_window() -> None:
    throttle = FailureThrottle(limit_per_minute=2)
    throttle.record_failure("ip:1", now=0.0)
    assert not throttle.blocked("ip:1", now=1.0)
    throttle.record_failure("ip:1", now=1.0)
    assert throttle.blocked("ip:1", now=2.0)
    assert not throttle.blocked("ip:2", now=2.0)
    assert not throttle.blocked("ip:1", now=61.5)
