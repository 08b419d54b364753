"""A small OCPP 1.6 CSMS the way a Python team would build one from the `ocpp` package's docs:
`websockets` (asyncio) server, one `ocpp.v16.ChargePoint` per connection, `@on` handlers,
SQLite through the standard `sqlite3` module (WAL, synchronous=FULL, commit per transaction
message, like evgw's durability rule), HTTP Basic auth checked against a charger table.

    python -m loadtests.peers.peer16 --db peer.db --port 0     # prints "OCPP: ws://…"
"""

# mypy: disable-error-code="untyped-decorator"
# (the `ocpp` package ships no type information for its @on decorator)

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import logging
import sqlite3
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint as BaseChargePoint
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS chargers (id TEXT PRIMARY KEY, password_sha256 TEXT,
    vendor TEXT, model TEXT, last_boot TEXT);
CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statuses (charger_id TEXT, connector_id INTEGER, status TEXT,
    error_code TEXT, at TEXT, PRIMARY KEY (charger_id, connector_id));
CREATE TABLE IF NOT EXISTS transactions (id INTEGER PRIMARY KEY AUTOINCREMENT,
    charger_id TEXT, connector_id INTEGER, id_tag TEXT, meter_start INTEGER, started_at TEXT,
    meter_stop INTEGER, stopped_at TEXT, reason TEXT,
    UNIQUE (charger_id, connector_id, id_tag, meter_start, started_at));
CREATE TABLE IF NOT EXISTS meter_values (id INTEGER PRIMARY KEY AUTOINCREMENT,
    charger_id TEXT, connector_id INTEGER, transaction_id INTEGER, at TEXT, measurand TEXT,
    phase TEXT, value TEXT, unit TEXT);
"""

log = logging.getLogger("peer16")


def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.executescript(SCHEMA)
    return db


def now() -> str:
    return datetime.now(UTC).isoformat()


class ChargePoint(BaseChargePoint):  # type: ignore[misc]
    def __init__(self, charge_point_id: str, connection: Any, db: sqlite3.Connection) -> None:
        super().__init__(charge_point_id, connection)
        self.db = db

    def _tag_status(self, id_tag: str) -> str:
        row = self.db.execute("SELECT status FROM tokens WHERE id = ?", (id_tag,)).fetchone()
        return str(row[0]) if row else str(AuthorizationStatus.invalid)

    @on(Action.boot_notification)
    def on_boot(self, charge_point_vendor: str, charge_point_model: str, **_: Any) -> Any:
        self.db.execute(
            "UPDATE chargers SET vendor = ?, model = ?, last_boot = ? WHERE id = ?",
            (charge_point_vendor, charge_point_model, now(), self.id),
        )
        self.db.commit()
        return call_result.BootNotification(
            current_time=now(), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self) -> Any:
        return call_result.Heartbeat(current_time=now())

    @on(Action.status_notification)
    def on_status(self, connector_id: int, error_code: str, status: str, **_: Any) -> Any:
        self.db.execute(
            "INSERT OR REPLACE INTO statuses VALUES (?, ?, ?, ?, ?)",
            (self.id, connector_id, status, error_code, now()),
        )
        self.db.commit()
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str) -> Any:
        return call_result.Authorize(id_tag_info={"status": self._tag_status(id_tag)})

    @on(Action.start_transaction)
    def on_start(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> Any:
        key = (self.id, connector_id, id_tag, meter_start, timestamp)
        self.db.execute(
            "INSERT OR IGNORE INTO transactions (charger_id, connector_id, id_tag, "
            "meter_start, started_at) VALUES (?, ?, ?, ?, ?)",
            key,
        )
        self.db.commit()
        row = self.db.execute(
            "SELECT id FROM transactions WHERE charger_id = ? AND connector_id "
            "= ? AND id_tag = ? AND meter_start = ? AND started_at = ?",
            key,
        ).fetchone()
        return call_result.StartTransaction(
            transaction_id=row[0], id_tag_info={"status": self._tag_status(id_tag)}
        )

    @on(Action.stop_transaction)
    def on_stop(self, meter_stop: int, timestamp: str, transaction_id: int, **kw: Any) -> Any:
        self.db.execute(
            "UPDATE transactions SET meter_stop = ?, stopped_at = ?, reason = ? "
            "WHERE id = ? AND charger_id = ?",
            (meter_stop, timestamp, kw.get("reason"), transaction_id, self.id),
        )
        self.db.commit()
        if "id_tag" in kw:
            return call_result.StopTransaction(
                id_tag_info={"status": self._tag_status(kw["id_tag"])}
            )
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(
        self, connector_id: int, meter_value: list[dict[str, Any]], **kw: Any
    ) -> Any:
        rows = [
            (
                self.id,
                connector_id,
                kw.get("transaction_id"),
                mv["timestamp"],
                sv.get("measurand", "Energy.Active.Import.Register"),
                sv.get("phase"),
                sv["value"],
                sv.get("unit", "Wh"),
            )
            for mv in meter_value
            for sv in mv["sampled_value"]
        ]
        self.db.executemany(
            "INSERT INTO meter_values (charger_id, connector_id, transaction_id,"
            " at, measurand, phase, value, unit) VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        self.db.commit()
        return call_result.MeterValues()


def basic_auth_ok(db: sqlite3.Connection, charger_id: str, header: str | None) -> bool:
    row = db.execute("SELECT password_sha256 FROM chargers WHERE id = ?", (charger_id,)).fetchone()
    if row is None:
        return False
    if row[0] is None:
        return True
    if not header or not header.startswith("Basic "):
        return False
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user == charger_id and hashlib.sha256(password.encode()).hexdigest() == row[0]


def make_process_request(db: sqlite3.Connection) -> Any:
    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        charger_id = request.path.rstrip("/").rsplit("/", 1)[-1]
        if not basic_auth_ok(db, charger_id, request.headers.get("Authorization")):
            return connection.respond(HTTPStatus.UNAUTHORIZED, "unauthorized\n")
        return None

    return process_request


async def main(db_path: str, host: str, port: int) -> None:
    db = open_db(db_path)

    async def on_connect(connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else ""
        charger_id = path.rstrip("/").rsplit("/", 1)[-1]
        cp = ChargePoint(charger_id, connection, db)
        try:
            await cp.start()
        except Exception as exc:
            log.debug("%s: %s", charger_id, exc)

    async with serve(
        on_connect,
        host,
        port,
        subprotocols=[Subprotocol("ocpp1.6")],
        process_request=make_process_request(db),
        max_size=2**20,
    ) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print(f"OCPP: ws://{host}:{bound}/ocpp/<chargePointId>", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="peer16.db")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.db, args.host, args.port))
