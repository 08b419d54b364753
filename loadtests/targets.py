"""The CSMS under test as a child process (evgw or the peer), prepared with chargers and
tokens, and its CPU seconds and RSS read from /proc."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import attrs
import trio
from evgw.domain import ChargerRegistration, IdToken
from evgw.store import open_store

from loadtests.pki import RunPki, make_run_pki

PASSWORD = "loadtest-password"
_URL = re.compile(rb"OCPP:\s+(ws://127\.0\.0\.1:\d+/\w+)/")
_TICK = os.sysconf("SC_CLK_TCK")


def cheap_scrypt_hash(password: str) -> str:
    """The stored form evgw verifies, with a tiny work factor: load tests measure the gateway,
    not the KDF (which costs ~50 ms per charger once per process with the real parameters)."""
    salt = hashlib.sha256(b"loadtest").digest()[:16]
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2, r=1, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt$1$1$1${b64(salt).decode()}${b64(digest).decode()}"


@attrs.frozen
class ProcStats:
    cpu_s: float
    rss_mb: float


def proc_stats(pid: int) -> ProcStats:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return ProcStats(0.0, 0.0)
    cpu = (int(fields[11]) + int(fields[12])) / _TICK
    rss_kb = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )
    return ProcStats(cpu, rss_kb / 1024)


async def register_evgw(db_url: str, ids: list[str], tokens: list[str], profile: int) -> None:
    store = await open_store(db_url)
    secret = cheap_scrypt_hash(PASSWORD) if profile else None
    try:
        async with trio.open_nursery() as nursery:
            for chunk in range(0, len(ids), 500):
                nursery.start_soon(_put_chargers, store, ids[chunk : chunk + 500], secret, profile)
        for token in tokens:
            await store.put_token(IdToken(id=token))
    finally:
        await store.aclose()


async def _put_chargers(store: object, ids: list[str], secret: str | None, profile: int) -> None:
    for charger_id in ids:
        reg = ChargerRegistration(id=charger_id, security_profile=profile, password_hash=secret)
        await store.put_charger(reg)  # type: ignore[attr-defined]


def register_peer(db_path: Path, ids: list[str], tokens: list[str], auth: bool) -> None:
    from loadtests.peers.peer16 import open_db  # noqa: PLC0415

    db = open_db(str(db_path))
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest() if auth else None
    db.executemany(
        "INSERT OR REPLACE INTO chargers (id, password_sha256) VALUES (?, ?)",
        [(i, digest) for i in ids],
    )
    db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, 'Accepted')", [(t,) for t in tokens])
    db.commit()
    db.close()


def free_port() -> int:
    """A port free now on 127.0.0.1 (the TLS listener's address is not printed at start-up)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tls_config(pki: RunPki, port: int) -> str:
    chains = ", ".join(
        f'{{certificate = "{c["certificate"]}", key = "{c["key"]}"}}' for c in pki.chains
    )
    return (
        f'[ocpp.tls]\nlisten = "127.0.0.1:{port}"\nchains = [{chains}]\n'
        f'client_ca = "{pki.ca_file}"\norganization = "{pki.organization}"\n'
        "reload_interval_s = 0\nhandshake_timeout_s = 30.0\n"
    )


def evgw_config(work: Path, db_url: str, tls: str = "") -> Path:
    path = work / "evgw.toml"
    path.write_text(
        'log_level = "WARNING"\n'
        f'[ocpp]\nlisten = "127.0.0.1:0"\nspool_dir = "{work / "spool"}"\n'
        "messages_per_second = 1000.0\nmessage_burst = 1000\ncall_timeout_s = 30.0\n"
        "auth_failures_per_minute = 1000000\n"
        f"{tls}"
        f'[api]\nlisten = "127.0.0.1:0"\n[store]\nurl = "{db_url}"\n'
        "[plugins]\nentry_points = false\n"
    )
    return path


class Target:
    """A CSMS child process; `url` is its OCPP base URL once started."""

    def __init__(self, name: str, work: Path) -> None:
        self.name, self.work = name, work
        self.url = ""
        self.tls_url = ""  # wss:// base URL when the run uses TLS (profiles 2 and 3)
        self.pki: RunPki | None = None
        self.proc: trio.Process | None = None
        self.db_path: Path | None = None  # evgw's SQLite store (the ledger is checked on it)

    def forget_earlier_runs(self) -> None:
        """Each run starts from an empty store and spool. A database left by an earlier run
        into the same folder held its transactions (the ledger counted them as this run's)
        and grew run after run (600 MB after four 10,000-charger steady runs)."""
        for db in ("evgw.db", "peer.db"):
            for suffix in ("", "-wal", "-shm", "-journal"):
                (self.work / f"{db}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.work / "spool", ignore_errors=True)

    def command(self) -> list[str]:
        if self.name == "evgw":
            return [sys.executable, "-m", "evgw", "serve", "--config", str(self.work / "evgw.toml")]
        return [sys.executable, "-m", "loadtests.peers.peer16", "--db", str(self.work / "peer.db")]

    async def prepare(self, ids: list[str], tokens: list[str], profile: int) -> None:
        """Register chargers and tokens in a new, empty database; profiles 2 and 3 get a PKI
        and a wss:// listener."""
        self.work.mkdir(parents=True, exist_ok=True)
        self.forget_earlier_runs()
        if self.name != "evgw":
            register_peer(self.work / "peer.db", ids, tokens, profile > 0)
            return
        self.db_path = self.work / "evgw.db"
        db_url = f"sqlite:///{self.db_path}"
        tls = ""
        if profile >= 2:
            self.pki = make_run_pki(self.work, ids if profile == 3 else [])
            port = free_port()
            tls, self.tls_url = tls_config(self.pki, port), f"wss://127.0.0.1:{port}/ocpp"
        evgw_config(self.work, db_url, tls)
        await register_evgw(db_url, ids, tokens, profile)

    async def start(self, nursery: trio.Nursery) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = await nursery.start(
            lambda task_status: trio.run_process(  # noqa: ASYNC105  (nursery.start awaits it)
                self.command(),
                stdout=subprocess.PIPE,
                stderr=open(self.work / "stderr.log", "wb"),  # noqa: SIM115
                env=env,
                check=False,
                task_status=task_status,
            )
        )
        await self._read_url()
        nursery.start_soon(self._drain)

    async def _read_url(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        buffer = b""
        with trio.fail_after(60):
            while not (match := _URL.search(buffer)):
                chunk = await self.proc.stdout.receive_some()
                if not chunk:
                    raise RuntimeError(f"{self.name} exited: see {self.work / 'stderr.log'}")
                buffer += chunk
        self.url = match.group(1).decode()

    async def _drain(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        while await self.proc.stdout.receive_some():
            pass

    def stats(self) -> ProcStats:
        return proc_stats(self.proc.pid) if self.proc else ProcStats(0.0, 0.0)

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        with trio.move_on_after(20):
            await self.proc.wait()
        if self.proc.returncode is None:
            self.proc.kill()
