"""Running cost (`evgw.billing.running_cost`): the same engine as the CDR on the frozen tariff.
Property: at every instant of a session, the running value is at most the final CDR total,
including tariffs with parking, step sizes, FLAT fees and min/max prices, and sessions whose
energy pauses and resumes (an idle tail priced as parking may turn out to be charging)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from evgw.billing import BillingConfig, Money, running_cost
from evgw.billing import _issue as issue
from evgw.billing._running import running_cost_op
from evgw.store import open_store
from evgw.store._db import SqliteDb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.billing_db import T0, add_samples, add_tariff, add_tx, open_db, stop_tx, writer

CFG = BillingConfig()


@pytest.fixture
def db() -> Iterator[SqliteDb]:
    conn = open_db()
    yield conn
    conn.close()


def _component(kind: str, price: str, step: int) -> dict[str, Any]:
    return {"type": kind, "price": float(price), "vat": 20.0, "step_size": step}


prices = st.sampled_from(["0", "0.25", "1.5", "3", "7.2"])
steps = st.sampled_from([1, 60, 300, 900, 1000])


@st.composite
def tariffs(draw: st.DrawFn) -> dict[str, Any]:
    comps = [_component("ENERGY", draw(prices), draw(steps))]
    comps.append(_component("TIME", draw(prices), draw(steps)))
    comps.append(_component("PARKING_TIME", draw(prices), draw(steps)))
    if draw(st.booleans()):
        comps.append(_component("FLAT", draw(prices), 1))
    body: dict[str, Any] = {"currency": "EUR", "elements": []}
    if draw(st.booleans()):  # a cheaper first half hour
        first = [_component("TIME", draw(prices), draw(steps))]
        body["elements"].append({"price_components": first, "restrictions": {"max_duration": 1800}})
    body["elements"].append({"price_components": comps})
    if draw(st.booleans()):
        body["min_price"] = {"excl_vat": 1.0, "incl_vat": 1.2}
    if draw(st.booleans()):
        body["max_price"] = {"excl_vat": 9.0, "incl_vat": 10.8}
    return body


# (minutes, Wh) steps; 0 Wh is a pause (mid-session or the tail)
steps_st = st.lists(
    st.tuples(st.integers(1, 40), st.sampled_from([0, 0, 150, 900, 4000])), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tariff=tariffs(), increments=steps_st, tail=st.integers(0, 45))
def test_every_running_value_is_at_most_the_final(
    tariff: dict[str, Any], increments: list[tuple[int, int]], tail: int
) -> None:
    db = open_db()
    try:
        write = writer(db)
        registers = [(T0, 10_000)]
        for minutes, wh in increments:
            at, reg = registers[-1]
            registers.append((at + timedelta(minutes=minutes), reg + wh))
        stop_at = registers[-1][0] + timedelta(minutes=tail)
        write(lambda d: add_tariff(d, tariff))
        write(lambda d: add_tx(d, "TX", registers[:1]))
        write(lambda d: issue.snapshot(d, CFG, "TX"))
        seen: list[Money] = []
        for i, (at, _) in enumerate(registers[1:], start=1):
            write(functools.partial(add_samples, tx_id="TX", registers=registers[i : i + 1]))
            for probe in (at, at + timedelta(minutes=3)):
                if probe <= stop_at:
                    m = write(running_cost_op(CFG, "TX", probe))
                    assert m is not None
                    assert not m.final
                    seen.append(m)
        write(lambda d: stop_tx(d, "TX", stop_at, registers[-1][1]))
        assert write(lambda d: issue.issue(d, CFG, "TX")) == "issued"
        final = write(running_cost_op(CFG, "TX"))
        assert final is not None
        assert final.final
        for m in seen:
            assert m.incl_vat <= final.incl_vat, (m, final)
            assert m.excl_vat <= final.excl_vat, (m, final)
    finally:
        db.close()


async def test_running_cost_from_the_store_and_after_the_stop(tmp_path: Any) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        body = {
            "currency": "EUR",
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": 0.30, "vat": 20.0, "step_size": 1}
                    ]
                }
            ],
        }
        await store.write(lambda d: add_tariff(d, body))
        regs = [(T0, 1000), (T0 + timedelta(minutes=30), 11_000)]
        await store.write(lambda d: add_tx(d, "TX", regs))
        await store.write(lambda d: issue.snapshot(d, CFG, "TX"))
        m = await running_cost(store, "TX", at=T0 + timedelta(minutes=30))
        # 10 kWh x 0.30 = 3.00 excl, 3.60 incl
        assert m == Money(Decimal("3.60"), Decimal("3.00"), "EUR", 2, False)
        assert m.minor == 360
        assert await running_cost(store, "nope") is None
        await store.write(lambda d: stop_tx(d, "TX", T0 + timedelta(minutes=31), 11_000))
        await store.write(lambda d: issue.issue(d, CFG, "TX"))
        done = await running_cost(store, "TX")
        assert done is not None
        assert done.final
        assert done.incl_vat == Decimal("3.60")
    finally:
        await store.aclose()
