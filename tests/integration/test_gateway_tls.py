"""Security profiles 2 and 3 on the wss:// listener, with certificates made in the test and
real TLS handshakes over real sockets (TLS 1.2/1.3, the OCPP cipher suites, client
certificates, reload without restart)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio
from evgw import metrics
from evgw.config import TlsConfig
from evgw.gateway._tls import CertificateReloader
from evgw.testing import basic_auth_header, connect_charger, wait_until
from trio_websocket import ConnectionRejected, open_websocket_url

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    register,
    server_config,
    start_server,
)
from tests.tls_pki import ORG, Issued, client_context, issue, make_ca, self_signed

BOOT = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}


@attrs.frozen
class TlsSetup:
    run: Running
    ca: Issued
    ca_path: str
    tmp: Path

    @property
    def port(self) -> int:
        port = self.run.endpoints.ocpp_tls_port
        assert port is not None
        return port

    def url(self, charger_id: str, scheme: str = "wss") -> str:
        port = self.port if scheme == "wss" else self.run.endpoints.ocpp_port
        return f"{scheme}://127.0.0.1:{port}/ocpp/{charger_id}"

    def client_cert(self, cn: str, **kw: Any) -> tuple[str, str]:
        return issue(self.ca, cn, **kw).write(self.tmp, f"client-{cn}-{id(kw)}")


def _chain(ca: Issued, tmp: Path, kind: str) -> dict[str, str]:
    cert, key = issue(ca, "127.0.0.1", kind=kind, server=True).write(tmp, f"srv-{kind}")
    return {"certificate": cert, "key": key}


def tls_section(tmp: Path, ca: Issued) -> dict[str, Any]:
    return {
        "listen": "127.0.0.1:0",
        "chains": [_chain(ca, tmp, "rsa"), _chain(ca, tmp, "ec")],
        "client_ca": str(tmp / "ca.pem"),
        "organization": ORG,
        "reload_interval_s": 0,
    }


@pytest.fixture
async def tls(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[TlsSetup]:
    ca = make_ca()
    ca_path, _ = ca.write(tmp_path, "ca")
    run = await start_server(nursery, server_config(tmp_path, tls=tls_section(tmp_path, ca)))
    for charger_id, profile in (("P1", 1), ("P2", 2), ("P3", 3), ("P3B", 3)):
        await register(run, charger_id, profile=profile)
    yield TlsSetup(run, ca, ca_path, tmp_path)
    run.server.stop()


async def boot(
    url: str, ctx: ssl.SSLContext | None, user: str | None = None, password: str | None = None
) -> str:
    async with connect_charger(
        url, version="ocpp2.0.1", user=user, password=password, ssl_context=ctx
    ) as cp:
        status: str = (await cp.result("BootNotification", BOOT))["status"]
        return status


async def refusal(
    url: str, ctx: ssl.SSLContext | None, user: str | None = None, password: str = PASSWORD
) -> int:
    headers = [basic_auth_header(user, password)] if user else []
    with pytest.raises(ConnectionRejected) as info:
        async with open_websocket_url(
            url, subprotocols=["ocpp2.0.1"], extra_headers=headers, ssl_context=ctx
        ):
            pass
    return int(info.value.status_code)


async def test_profile_2_tls_and_basic_auth(tls: TlsSetup) -> None:
    ctx = client_context(tls.ca_path)
    assert await boot(tls.url("P2"), ctx, "P2", PASSWORD) == "Accepted"
    assert await refusal(tls.url("P2"), ctx, "P2", "wrong password") == 401
    assert await refusal(tls.url("P2"), ctx) == 401
    assert await refusal(tls.url("P2", "ws"), None, "P2") == 403  # plain ws for a profile-2 charger
    assert await boot(tls.url("P1"), ctx, "P1", PASSWORD) == "Accepted"  # above its profile: fine


async def test_profile_3_client_certificate_names_the_charger(tls: TlsSetup) -> None:
    ctx = client_context(tls.ca_path, tls.client_cert("P3"))
    assert await boot(tls.url("P3"), ctx) == "Accepted"
    assert (
        await boot(tls.url("P3"), ctx, "P3", "anything: the certificate authenticates")
        == "Accepted"
    )


@pytest.mark.parametrize(
    ("charger", "cert_cn", "cert_org", "basic_user", "status"),
    [
        ("P3", None, ORG, None, 403),  # no client certificate
        ("P3", "P3B", ORG, None, 403),  # another charger's certificate
        ("P3", "P3X", ORG, None, 403),  # CN containing the id is not the id
        ("P3", "P3", "Other CPO", None, 403),  # another organization
        ("P3", "P3", ORG, "P3B", 401),  # Basic header for another charger
        ("P2", "P3", ORG, "P2", 403),  # a certificate never opens another's session
    ],
)
async def test_profile_3_refusals(
    tls: TlsSetup,
    charger: str,
    cert_cn: str | None,
    cert_org: str,
    basic_user: str | None,
    status: int,
) -> None:
    cert = tls.client_cert(cert_cn, org=cert_org) if cert_cn else None
    ctx = client_context(tls.ca_path, cert)
    assert await refusal(tls.url(charger), ctx, basic_user) == status
    assert await refusal(tls.url("P3", "ws"), None) == 403


def tls_failures(reason: str) -> float:
    value: float = metrics.HANDSHAKES.labels(f"tls_{reason}")._value.get()
    return value


async def closed_by_server(stream: trio.abc.Stream, request: bytes) -> bool:
    """True when the server ends the connection instead of answering `request`."""
    with trio.fail_after(5):
        try:
            await stream.send_all(request)
            return await stream.receive_some() == b""
        except trio.BrokenResourceError:
            return True


UPGRADE = b"GET /ocpp/P3 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"


async def assert_tls_refused(tls: TlsSetup, ctx: ssl.SSLContext | None, reason: str) -> None:
    before = tls_failures(reason)
    tcp = await trio.open_tcp_stream("127.0.0.1", tls.port)
    stream: trio.abc.Stream = (
        tcp if ctx is None else trio.SSLStream(tcp, ctx, server_hostname="127.0.0.1")
    )
    assert await closed_by_server(stream, UPGRADE)
    await wait_until(lambda: tls_failures(reason) == before + 1)


@pytest.mark.parametrize("case", ["expired", "self_signed", "wrong_ca"])
async def test_bad_client_certificates_fail_the_tls_handshake(tls: TlsSetup, case: str) -> None:
    if case == "expired":
        cert = tls.client_cert("P3", days=(-30, -1))
    elif case == "self_signed":
        cert = self_signed("P3").write(tls.tmp, "self")
    else:
        cert = issue(make_ca("Rogue Root"), "P3").write(tls.tmp, "rogue")
    await assert_tls_refused(tls, client_context(tls.ca_path, cert), "bad_client_certificate")


async def test_plain_websocket_to_the_tls_port_is_refused(tls: TlsSetup) -> None:
    await assert_tls_refused(tls, None, "protocol")


MANDATORY_TLS12 = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "AES128-GCM-SHA256",  # TLS_RSA_WITH_AES_128_GCM_SHA256
    "AES256-GCM-SHA384",  # TLS_RSA_WITH_AES_256_GCM_SHA384
]


@pytest.mark.parametrize("suite", MANDATORY_TLS12)
async def test_client_offering_only_a_mandatory_suite_connects(tls: TlsSetup, suite: str) -> None:
    ctx = client_context(tls.ca_path, ciphers=suite, max_version=ssl.TLSVersion.TLSv1_2)
    stream = await trio.open_ssl_over_tcp_stream("127.0.0.1", tls.port, ssl_context=ctx)
    await stream.do_handshake()
    assert stream.cipher()[0] == suite  # type: ignore[index]
    assert stream.version() == "TLSv1.2"
    await stream.aclose()


async def test_tls_13_by_default(tls: TlsSetup) -> None:
    stream = await trio.open_ssl_over_tcp_stream(
        "127.0.0.1", tls.port, ssl_context=client_context(tls.ca_path)
    )
    await stream.do_handshake()
    assert stream.version() == "TLSv1.3"
    await stream.aclose()


async def test_certificates_reload_without_restart(tls: TlsSetup) -> None:
    gateway = tls.run.server.gateway
    assert gateway is not None
    assert gateway.tls_context is not None
    cfg: TlsConfig = gateway.config.tls
    reloader = CertificateReloader(gateway.tls_context, cfg)
    new_ca = make_ca("Next Root")
    new_ca_path, _ = new_ca.write(tls.tmp, "next-ca")
    assert reloader.reload_if_changed() is False
    for chain, kind in zip(cfg.chains, ("rsa", "ec"), strict=True):
        fresh = issue(new_ca, "127.0.0.1", kind=kind, server=True)
        fresh.write(Path(chain.certificate).parent, Path(chain.certificate).stem)  # in place
    assert reloader.reload_if_changed() is True
    assert await boot(tls.url("P2"), client_context(new_ca_path), "P2", PASSWORD) == "Accepted"
