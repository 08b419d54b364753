"""1.6 MeterValues as plain rows: the same samples, defaults and equality as MeterSample
objects, which are made only when read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evgw.domain import MeterSample
from evgw.events import MeterValuesReceived
from evgw.ocpp.v16._meter import sampled_values, samples_from_meter_values

METER_VALUES = [
    {
        "timestamp": "2026-11-27T09:15:23.143Z",
        "sampledValue": [
            {"value": "1200"},  # every default: energy register in Wh
            {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": "16.1", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
            {
                "value": "AB12",
                "context": "Transaction.End",
                "format": "SignedData",
                "location": "Outlet",
            },
        ],
    },
    {"timestamp": "2026-11-27T10:15:23+01:00", "sampledValue": [{"value": "1300"}]},
    {"timestamp": "2026-11-27T09:16:00", "sampledValue": [{"value": "1400"}]},  # no offset
]


def test_rows_hold_the_same_samples_as_the_objects() -> None:
    rows = sampled_values(METER_VALUES)
    objects = samples_from_meter_values(METER_VALUES)
    assert len(rows) == len(objects) == 6
    assert rows == objects
    assert tuple(rows) == objects
    assert rows[0] == MeterSample(
        datetime(2026, 11, 27, 9, 15, 23, 143000, tzinfo=UTC),
        "Energy.Active.Import.Register",
        "1200",
        "Wh",
    )
    assert rows[3].format == "SignedData"
    assert rows[3].location == "Outlet"
    assert rows[4].timestamp.utcoffset() == timedelta(hours=1)  # the offset is kept
    assert rows[4].timestamp == datetime(2026, 11, 27, 9, 15, 23, tzinfo=UTC)
    assert rows[5].timestamp.tzinfo is UTC  # a missing offset is read as UTC
    assert rows[1:3] == objects[1:3]


def test_no_sample_objects_until_read() -> None:
    rows = sampled_values(METER_VALUES)
    assert rows._samples is None
    assert rows.rows[1][1:4] == ("Power.Active.Import", "7.2", "kW")
    event = MeterValuesReceived("CP1", 1, 1, "T1", rows, datetime.now(UTC))
    assert rows._samples is None  # publishing builds nothing
    assert event.samples == samples_from_meter_values(METER_VALUES)
    assert event.samples is event.samples  # made once
    assert rows._samples is not None


def test_equality_and_hash_follow_the_values() -> None:
    a = sampled_values(METER_VALUES)
    b = sampled_values(METER_VALUES)
    assert a == b
    assert hash(a) == hash(b)
    other = sampled_values([{**METER_VALUES[1], "sampledValue": [{"value": "1301"}]}])
    assert a != other
    assert other != samples_from_meter_values(METER_VALUES[1:2])
    assert a != "not samples"
