"""Certificates for TLS load tests (security profiles 2 and 3), made fresh for each run with
the test suite's throw-away PKI (`tests/tls_pki.py`): a CPO CA, an RSA and an ECDSA server
chain for 127.0.0.1, and for profile 3 one client certificate per charger (CN = its id)."""

from __future__ import annotations

from pathlib import Path

import attrs

from tests.tls_pki import ORG, issue, make_ca


@attrs.frozen
class RunPki:
    ca_file: str
    chains: list[dict[str, str]]  # [ocpp.tls] chains
    client_certs: dict[str, tuple[str, str]]  # charger id -> (certificate, key)
    organization: str = ORG


def make_run_pki(work: Path, client_ids: list[str]) -> RunPki:
    folder = work / "pki"
    folder.mkdir(parents=True, exist_ok=True)
    ca = make_ca()
    ca_file, _ = ca.write(folder, "ca")
    chains = []
    for kind in ("rsa", "ec"):
        cert, key = issue(ca, "127.0.0.1", kind=kind, server=True).write(folder, f"server-{kind}")
        chains.append({"certificate": cert, "key": key})
    clients = {cid: issue(ca, cid).write(folder, f"client-{cid}") for cid in client_ids}
    return RunPki(ca_file, chains, clients)
