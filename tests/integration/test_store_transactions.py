"""Transaction semantics of the durability rule, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import trio
from evgw.domain import ChargerRegistration, MeterBatch, MeterSample, StartTx, StopTx, TxEvent
from evgw.store import Store, open_store

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def start(charger: str = "CP1", *, connector: int = 1, meter: int = 1000, **kw: object) -> StartTx:
    fields: dict[str, object] = {
        "charger_id": charger,
        "evse_id": connector,
        "connector_id": 1,
        "id_token": "TAG1",
        "meter_start_wh": meter,
        "started_at": T0,
        "received_at": T0 + timedelta(seconds=1),
        "raw": '[2,"m1","StartTransaction",{}]',
    }
    fields.update(kw)
    return StartTx(**fields)  # type: ignore[arg-type]


def stop(ocpp16_id: int | None, *, meter: int = 5000, **kw: object) -> StopTx:
    fields: dict[str, object] = {
        "charger_id": "CP1",
        "ocpp16_id": ocpp16_id,
        "transaction_id": None,
        "id_token": "TAG1",
        "meter_stop_wh": meter,
        "stopped_at": T0 + timedelta(hours=1),
        "received_at": T0 + timedelta(hours=1, seconds=1),
        "reason": "Local",
        "raw": '[2,"m2","StopTransaction",{}]',
    }
    fields.update(kw)
    return StopTx(**fields)  # type: ignore[arg-type]


def sample(minutes: int, value: str) -> MeterSample:
    return MeterSample(
        T0 + timedelta(minutes=minutes), "Energy.Active.Import.Register", value, "Wh"
    )


async def test_start_is_idempotent_on_the_natural_key(store: Store) -> None:
    first = await store.start_transaction(start())
    again = await store.start_transaction(start(received_at=T0 + timedelta(minutes=5)))
    assert not first.duplicate
    assert again.duplicate
    assert (again.transaction_id, again.ocpp16_id) == (first.transaction_id, first.ocpp16_id)
    assert first.ocpp16_id is not None
    assert 0 < first.ocpp16_id < 2**31
    other = await store.start_transaction(start(meter=1001))
    assert not other.duplicate
    assert other.ocpp16_id != first.ocpp16_id
    # the same instant in another offset is the same key
    shifted = T0.astimezone(timezone(timedelta(hours=2)))
    assert (await store.start_transaction(start(started_at=shifted))).duplicate
    assert len(await store.list_transactions()) == 2


async def test_concurrent_duplicate_starts_make_one_transaction(store: Store) -> None:
    outcomes = []

    async def go() -> None:
        outcomes.append(await store.start_transaction(start()))

    async with trio.open_nursery() as nursery:
        for _ in range(20):
            nursery.start_soon(go)
    assert len({o.transaction_id for o in outcomes}) == 1
    assert sum(not o.duplicate for o in outcomes) == 1
    assert len(await store.list_transactions()) == 1


async def test_duplicate_starts_from_two_processes(durable_store_url: str) -> None:
    """Two stores (two writer connections, as two nodes would have) share the natural key."""
    a, b = await open_store(durable_store_url), await open_store(durable_store_url)
    outcomes = []

    async def go(s: Store) -> None:
        outcomes.append(await s.start_transaction(start()))

    try:
        async with trio.open_nursery() as nursery:
            for i in range(10):
                nursery.start_soon(go, a if i % 2 else b)
        assert len({o.transaction_id for o in outcomes}) == 1
        assert sum(not o.duplicate for o in outcomes) == 1
    finally:
        await a.aclose()
        await b.aclose()


async def test_stop_completes_and_is_idempotent(store: Store) -> None:
    s = await store.start_transaction(start())
    out = await store.stop_transaction(stop(s.ocpp16_id, samples=(sample(60, "5000"),)))
    assert (out.transaction_id, out.duplicate, out.orphan) == (s.transaction_id, False, False)
    retry = await store.stop_transaction(stop(s.ocpp16_id, meter=9999, reason="Reboot"))
    assert (retry.transaction_id, retry.duplicate, retry.orphan) == (s.transaction_id, True, False)
    tx = await store.get_transaction(s.transaction_id, with_samples=True)
    assert tx is not None
    assert (tx.status, tx.meter_stop_wh, tx.energy_wh, tx.stop_reason) == (
        "completed",
        5000,
        4000,
        "Local",
    )
    assert tx.samples == (sample(60, "5000"),)
    assert tx.flags == ()
    assert tx.stopped_at == T0 + timedelta(hours=1)


async def test_unknown_and_minus_one_stops_become_orphans(store: Store) -> None:
    cases = ((-1, None), (424242, None), (None, "EXT-1"))
    for minute, (ocpp16_id, tx_id) in enumerate(cases, start=1):
        out = await store.stop_transaction(
            stop(ocpp16_id, transaction_id=tx_id, samples=(sample(minute, "7"),))
        )
        assert out.orphan
        assert not out.duplicate
        again = await store.stop_transaction(stop(ocpp16_id, transaction_id=tx_id))
        assert again.orphan
        assert again.duplicate
        assert again.transaction_id == out.transaction_id
        tx = await store.get_transaction(out.transaction_id, with_samples=True)
        assert tx is not None
        assert (tx.status, tx.flags, tx.meter_stop_wh, tx.energy_wh) == (
            "orphan",
            ("orphan_stop",),
            5000,
            None,
        )
        assert len(tx.samples) == 1
    flags = await store.list_flags()
    assert [f.kind for f in flags] == ["orphan_stop"] * 3
    assert {f.detail["reported_ocpp16_id"] for f in flags} == {-1, 424242, None}
    assert {f.detail["reported_transaction_id"] for f in flags} == {None, "EXT-1"}
    # a second offline session (also -1) is a different orphan: other stop time and meter
    other = await store.stop_transaction(stop(-1, meter=6000, stopped_at=T0))
    assert other.orphan
    assert not other.duplicate
    assert len(await store.list_transactions(status="orphan")) == 4


async def test_stop_of_another_chargers_transaction_is_an_orphan(store: Store) -> None:
    s = await store.start_transaction(start("CP2"))
    out = await store.stop_transaction(stop(s.ocpp16_id))
    assert out.orphan
    assert out.transaction_id != s.transaction_id


async def test_meter_stop_below_start_is_stored_and_flagged(store: Store) -> None:
    s = await store.start_transaction(start(meter=5000))
    await store.stop_transaction(stop(s.ocpp16_id, meter=4000))
    tx = await store.get_transaction(s.transaction_id)
    assert tx is not None
    assert (tx.meter_stop_wh, tx.energy_wh, tx.flags) == (4000, -1000, ("meter_stop_below_start",))


async def test_future_timestamps_are_flagged(store: Store) -> None:
    future = T0 + timedelta(hours=25)
    s = await store.start_transaction(start(started_at=future, received_at=T0))
    await store.stop_transaction(stop(s.ocpp16_id, stopped_at=future, received_at=T0))
    tx = await store.get_transaction(s.transaction_id)
    assert tx is not None
    assert tx.flags == ("future_timestamp", "future_timestamp")
    near = await store.start_transaction(start(started_at=T0 + timedelta(hours=23), meter=1))
    assert (await store.get_transaction(near.transaction_id)).flags == ()  # type: ignore[union-attr]


async def test_unknown_connector_is_flagged_once_connectors_are_known(store: Store) -> None:
    await store.put_charger(ChargerRegistration("CP1"))
    a = await store.start_transaction(start(connector=3))  # nothing known yet: no flag
    for evse in (1, 2):
        await store.record_status(
            "CP1",
            evse_id=evse,
            connector_id=1,
            status="Available",
            error_code=None,
            info=None,
            at=T0,
        )
    b = await store.start_transaction(start(connector=3, meter=2))
    c = await store.start_transaction(start(connector=2, meter=3))
    flags = [await store.get_transaction(o.transaction_id) for o in (a, b, c)]
    assert [tx.flags if tx else None for tx in flags] == [(), ("unknown_connector",), ()]


async def test_meter_values_resolve_the_transaction(store: Store) -> None:
    s = await store.start_transaction(start())
    samples = tuple(sample(i, str(1000 + i)) for i in range(10))
    batch = MeterBatch("CP1", 1, 1, None, s.ocpp16_id, samples, T0, raw="[]")
    await store.add_meter_values(batch)
    outside = MeterBatch("CP1", 1, 1, None, None, (sample(99, "1"),), T0)
    await store.add_meter_values(outside)
    tx = await store.get_transaction(s.transaction_id, with_samples=True)
    assert tx is not None
    assert tx.samples == samples
    assert tx.samples[0].timestamp.tzinfo is not None
    found = await store.find_transaction_by_ocpp16_id("CP1", s.ocpp16_id or 0)
    assert found is not None
    assert found.id == s.transaction_id
    assert await store.find_transaction_by_ocpp16_id("CP9", s.ocpp16_id or 0) is None


async def test_retried_meter_values_are_stored_once(store: Store) -> None:
    s = await store.start_transaction(start())
    phases = tuple(
        MeterSample(T0, "Current.Import", "16.0", "A", phase) for phase in ("L1", "L2", "L3")
    )
    samples = (sample(0, "1000"), *phases)
    batch = MeterBatch("CP1", 1, 1, None, s.ocpp16_id, samples, T0, raw="[]")
    assert await store.add_meter_values(batch) == s.transaction_id
    assert await store.add_meter_values(batch) == s.transaction_id  # a retry, or a replay
    later = MeterBatch("CP1", 1, 1, None, s.ocpp16_id, (*samples, sample(1, "1010")), T0)
    await store.add_meter_values(later)  # overlaps: only the new sample is added
    tx = await store.get_transaction(s.transaction_id, with_samples=True)
    assert tx is not None
    assert len(tx.samples) == 5
    assert sorted(x.phase or "" for x in tx.samples) == ["", "", "L1", "L2", "L3"]


async def test_list_transactions_filters_and_pages(store: Store) -> None:
    ids = [(await store.start_transaction(start(meter=i))).transaction_id for i in range(5)]
    await store.start_transaction(start("CP2"))
    mine = await store.list_transactions(charger_id="CP1")
    assert [t.id for t in mine] == ids[::-1]  # newest first
    page = await store.list_transactions(charger_id="CP1", limit=2, offset=1)
    assert [t.id for t in page] == ids[3:1:-1]
    assert len(await store.list_transactions(status="active")) == 6
    assert await store.list_transactions(status="completed") == []


async def test_two_201_transactions_with_the_same_start_are_both_kept(store: Store) -> None:
    """The 1.6 natural key (charger, evse, connector, token, meter start, start time) does
    not apply to 2.x: their transactionId tells them apart (a station that restarts its
    meter reading at 0 and its clock at boot can repeat the rest)."""
    await store.put_charger(ChargerRegistration(id="CS1"))

    def started(tx: str) -> TxEvent:
        return TxEvent(
            "CS1", tx, 0, "Started", "Authorized", T0, T0, evse_id=1, connector_id=1,
            id_token="TAG1", meter_start_wh=0,
        )  # fmt: skip

    first = await store.transaction_event(started("A"))
    second = await store.transaction_event(started("B"))
    assert first.transaction_id != second.transaction_id
    assert not second.duplicate
    ours = await store.list_transactions(charger_id="CS1", limit=10, offset=0)
    assert len(ours) == 2
    # 1.6 keeps its natural-key de-duplication beside them
    once = await store.start_transaction(start("CS1", meter=0))
    again = await store.start_transaction(start("CS1", meter=0))
    assert again.duplicate
    assert again.transaction_id == once.transaction_id


async def test_meter_values_of_many_chargers_at_once_each_find_their_transaction(
    store: Store,
) -> None:
    """Concurrent MeterValues share a group commit (one merged write); each answer is its own
    charger's transaction, an unknown 1.6 id answers None and its samples are still kept."""
    n = 40
    starts = [await store.start_transaction(start(f"M{i}")) for i in range(n)]
    answers: dict[int, str | None] = {}

    async def send(i: int) -> None:
        ocpp16 = starts[i].ocpp16_id if i < n else 999_999  # the last one: unknown id
        charger = f"M{i % n}"
        energy = sample(i, str(1000 + i))
        samples = (energy, attrs.evolve(energy, measurand="Power.Active.Import", value="7.5"))
        batch = MeterBatch(charger, 1, 1, None, ocpp16, samples, T0, raw=f"[{i}]")
        answers[i] = await store.add_meter_values(batch)

    async with trio.open_nursery() as nursery:
        for i in range(n + 1):
            nursery.start_soon(send, i)
    assert answers[n] is None
    assert [answers[i] for i in range(n)] == [s.transaction_id for s in starts]
    for i in (0, n - 1):
        tx = await store.get_transaction(starts[i].transaction_id, with_samples=True)
        assert tx is not None
        assert [x.value for x in tx.samples] == [str(1000 + i), "7.5"]
