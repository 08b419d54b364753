from datetime import UTC, datetime

from evgw.domain import ChargerRegistration, StartTx
from evgw.store import Store


async def test_smoke(store: Store) -> None:
    assert await store.put_charger(ChargerRegistration("CP1"))
    now = datetime.now(UTC)
    out = await store.start_transaction(StartTx("CP1", 1, 1, "TAG", 100, now, now, raw="[]"))
    out2 = await store.start_transaction(StartTx("CP1", 1, 1, "TAG", 100, now, now, raw="[]"))
    assert out.transaction_id == out2.transaction_id and out2.duplicate
    tx = await store.get_transaction(out.transaction_id)
    assert tx is not None and tx.started_at == now
