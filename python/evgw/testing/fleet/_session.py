"""A simulated charger's connection: connect (Basic auth, optional TLS), boot, report status,
send the outbox in order (one CALL outstanding), heartbeat, and flood in throughput runs."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import trio
from trio_websocket import (
    ConnectionClosed,
    ConnectionRejected,
    ConnectionTimeout,
    DisconnectionTimeout,
    HandshakeError,
    open_websocket_url,
)

from evgw.testing.fleet._events import StatusChanged
from evgw.testing.fleet._link import CallTimeout, Link
from evgw.testing.fleet._protocol import CallRefused, LedgerMark, Outgoing

if TYPE_CHECKING:
    from evgw.testing.fleet._sim import SimCharger

LOST = (
    OSError,
    ConnectionClosed,
    HandshakeError,
    ConnectionTimeout,
    DisconnectionTimeout,
    trio.BrokenResourceError,
    trio.ClosedResourceError,
    CallTimeout,
)
MAX_ATTEMPTS = 3
BACKOFF_MAX_S = 30.0


class Rebooting(Exception):
    pass


class LinkClosed(Exception):
    pass


def _not_lost(exc: BaseException) -> BaseException | None:
    """What remains of `exc` without the lost-connection errors (None: nothing remains)."""
    if isinstance(exc, BaseExceptionGroup):
        _, rest = exc.split(lambda e: isinstance(e, (*LOST, LinkClosed)))
        return rest
    return None if isinstance(exc, (*LOST, LinkClosed)) else exc


def _is_reboot(exc: BaseException) -> bool:
    if isinstance(exc, BaseExceptionGroup):
        return any(_is_reboot(e) for e in exc.exceptions)
    return isinstance(exc, Rebooting)


async def session_loop(charger: SimCharger) -> None:
    backoff = 1.0
    stop = charger.env.stop
    while not stop.is_set():
        delay, failed = await _one_session(charger, backoff)
        backoff = min(BACKOFF_MAX_S, backoff * 2) if failed else 1.0
        offline = charger.offline_until - trio.current_time()  # an injected outage lasts
        with trio.move_on_after(max(delay, offline)):
            await stop.wait()


async def _one_session(charger: SimCharger, backoff: float) -> tuple[float, bool]:
    """Run one connection; return (how long to wait before the next attempt, failed)."""
    rec = charger.env.recorder
    jittered = backoff * charger.rng.uniform(0.5, 1.5)
    charger.opened = False
    try:
        with charger.new_session_scope():
            await run_session(charger)
    except ConnectionRejected as exc:
        rec.note(f"refused:{exc.status_code}")
        charger.connect_failed()
        return jittered, True
    except BaseException as exc:
        if _is_reboot(exc):
            rec.note("reboots")
            return charger.env.reboot_s, False
        rest = _not_lost(exc)
        if rest is not None:
            raise rest from None  # e.g. trio.Cancelled while the connection was also lost
        rec.note("connection_lost")
        if not charger.opened:
            charger.connect_failed()
        return jittered, True
    finally:
        charger.link = None
    return 0.2, False


def _headers(charger: SimCharger) -> list[tuple[bytes, bytes]]:
    password = charger.spec.password
    if password is None:
        return []
    token = base64.b64encode(f"{charger.spec.charger_id}:{password}".encode()).decode()
    return [(b"authorization", f"Basic {token}".encode())]


async def run_session(charger: SimCharger) -> None:
    env = charger.env
    async with open_websocket_url(
        charger.url(),
        charger.ssl_context,
        subprotocols=[charger.protocol.subprotocol],
        extra_headers=_headers(charger),
        connect_timeout=env.connect_timeout_s,
        disconnect_timeout=2,
    ) as ws:
        env.recorder.mark("connected")
        charger.opened = True
        proto = charger.protocol
        link = Link(ws, env.recorder, lambda a, p: proto.handle(charger, a, p), env.call_timeout_s)
        charger.protocol.connected(charger)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_read, link)
                await _boot(charger, link)
                charger.link, charger.ever_online = link, True
                nursery.start_soon(_heartbeats, charger, link)
                if env.pacer is not None:
                    nursery.start_soon(_flood, charger, link)
                await _send_loop(charger, link)
        finally:
            link.abandon()


async def _read(link: Link) -> None:
    await link.run()
    raise LinkClosed


async def _boot(charger: SimCharger, link: Link) -> None:
    proto, rec = charger.protocol, charger.env.recorder
    if proto.boot_every_connection or not charger.booted:
        await _boot_notification(charger, link)
    _keep_transactional(charger)
    now = charger.now()
    for event in [StatusChanged(0, "Available", "NoError", now), *charger.model.statuses(now)]:
        message = proto.from_event(charger, event)
        if message is not None:
            await link.call(message.action, message.build())
    rec.mark("ready")
    charger.outbox.extendleft(reversed(charger.boot_extras))
    charger.boot_extras.clear()


async def _boot_notification(charger: SimCharger, link: Link) -> None:
    """BootNotification until Accepted; the heartbeat interval from the answer."""
    proto, rec = charger.protocol, charger.env.recorder
    while True:
        reply = await link.call("BootNotification", proto.boot(charger).build())
        if reply.get("status") == "Accepted":
            break
        rec.note(f"boot_{reply.get('status', '?').lower()}")
        await trio.sleep(max(1.0, float(reply.get("interval") or 10)))
    rec.mark("booted")
    charger.booted = True
    if charger.env.heartbeat_s is None and reply.get("interval"):
        charger.set_heartbeat_interval(float(reply["interval"]))


def _keep_transactional(charger: SimCharger) -> None:
    """After an outage, only transaction messages are replayed; the rest is stale."""
    kept = [m for m in charger.outbox if m.transactional]
    charger.env.recorder.note("replayed", len(kept))
    charger.outbox.clear()
    charger.outbox.extend(kept)


async def _send_loop(charger: SimCharger, link: Link) -> None:
    from evgw.testing.fleet._sim import REBOOT  # noqa: PLC0415

    while True:
        if not charger.outbox:
            await charger.wait_outbox()
            continue
        message = charger.outbox[0]
        if message is REBOOT:
            charger.outbox.popleft()
            await link.answers_sent()
            raise Rebooting
        await _send_one(charger, link, message)


async def _send_one(charger: SimCharger, link: Link, message: Outgoing) -> None:
    payload = message.build()
    mark = message.ledger
    if mark is not None and mark.kind == "start" and not mark.tx.start_sent:
        mark.tx.start_sent = True
        charger.env.recorder.ledger.sent(charger.spec.charger_id)
    try:
        reply = await link.call(message.action, payload)
    except (CallRefused, CallTimeout):
        message.attempts += 1
        if not message.transactional or message.attempts >= MAX_ATTEMPTS:
            charger.outbox.popleft()
        return
    charger.outbox.popleft()
    if message.on_reply is not None:
        message.on_reply(reply)
        charger.pump()
    if mark is not None:
        _ledger_ack(charger, mark)
    share = charger.env.faults.duplicate_share
    if message.transactional and share and charger.rng.random() < share:
        charger.env.recorder.note("duplicates")
        await link.call(message.action, payload)


def _ledger_ack(charger: SimCharger, mark: LedgerMark) -> None:
    ref = mark.tx.ref
    if ref is None:
        return
    ledger, charger_id = charger.env.recorder.ledger, charger.spec.charger_id
    if mark.kind == "start":
        ledger.started(charger_id, str(ref), mark.meter_wh)
    else:
        ledger.stopped(charger_id, str(ref), mark.meter_wh)


async def _heartbeats(charger: SimCharger, link: Link) -> None:
    proto = charger.protocol
    while True:
        await trio.sleep(charger.heartbeat_s * charger.rng.uniform(0.9, 1.1))
        charger.enqueue(proto.heartbeat(charger))


async def _flood(charger: SimCharger, link: Link) -> None:
    """Throughput runs: MeterValues of a running transaction at the pacer's rate."""
    pacer, proto = charger.env.pacer, charger.protocol
    assert pacer is not None
    tx_id = await _flood_transaction(charger)
    next_t, phase = trio.current_time(), charger.rng.random()  # chargers must not send in step
    while True:
        rate = pacer.per_charger_rate
        if rate <= 0:
            await trio.sleep(0.2)
            next_t = trio.current_time()
            continue
        gap = (phase if phase else charger.rng.uniform(0.9, 1.1)) / rate
        next_t, phase = max(next_t + gap, trio.current_time() - 1.0), 0.0
        await trio.sleep_until(next_t)
        message = proto.meter_frame(charger, 1, tx_id)
        try:
            await link.call(message.action, message.build())
        except CallRefused:
            continue


async def _flood_transaction(charger: SimCharger) -> int | str | None:
    conn = charger.model.connectors[1]
    if conn.tx is None:
        charger.remote_start(1, charger.model.id_tags[0])
    with trio.move_on_after(charger.env.call_timeout_s):
        while conn.tx is not None and conn.tx.ref is None:  # noqa: ASYNC110  (set by a reply)
            await trio.sleep(0.05)
    return conn.tx.ref if conn.tx is not None else None
