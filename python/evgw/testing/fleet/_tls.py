"""The charger's side of TLS (security profiles 2 and 3)."""

from __future__ import annotations

import ssl


def client_context(ca_file: str, cert: tuple[str, str] | None = None) -> ssl.SSLContext:
    """TLS 1.2+, trusting the CSMS's CA; with `cert` (certificate, key) the charger presents a
    client certificate (profile 3)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert is not None:
        ctx.load_cert_chain(*cert)
    return ctx
