"""2.0.1 variable monitoring (block N): SetVariableMonitoring, ClearVariableMonitoring,
SetMonitoringBase, SetMonitoringLevel, GetMonitoringReport (NotifyMonitoringReport parts).
Monitors are kept and reported; the simulated variables only change through SetVariables, so
they never trigger a NotifyEvent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from evgw.testing.fleet._commands import report_header, send_parts
from evgw.testing.fleet._protocol import Control, Payload
from evgw.testing.fleet._v201_device import matches

if TYPE_CHECKING:
    from evgw.testing.fleet._v201 import Ocpp201

# MonitorEnumType -> the MonitoringCriterionEnumType it falls under
CRITERION = {
    "UpperThreshold": "ThresholdMonitoring",
    "LowerThreshold": "ThresholdMonitoring",
    "Delta": "DeltaMonitoring",
    "Periodic": "PeriodicMonitoring",
    "PeriodicClockAligned": "PeriodicMonitoring",
}
PER_MESSAGE = 4  # MonitoringData per NotifyMonitoringReport


@attrs.frozen
class Monitor:
    id: int
    component: Payload
    variable: Payload
    type: str
    value: float
    severity: int
    transaction: bool = False

    def same_as(self, other: Monitor) -> bool:
        mine = (self.component, self.variable, self.type, self.value, self.severity)
        theirs = (other.component, other.variable, other.type, other.value, other.severity)
        return mine == theirs


class Monitors:
    def __init__(self) -> None:
        self.items: dict[int, Monitor] = {}
        self.next_id = 1
        self.level = 9
        self.base = "All"

    def set(self, proto: Ocpp201, item: Payload) -> Payload:
        """One SetMonitoringResult."""
        status = proto.device.lookup(item)
        wanted = item.get("id")
        if status == "Accepted":
            status = self._check(proto, item, wanted)
        result: Payload = {
            "status": status,
            "type": item["type"],
            "severity": item["severity"],
            "component": item["component"],
            "variable": item["variable"],
        }
        if status != "Accepted":
            return result | ({"id": wanted} if wanted is not None else {})
        mid = wanted if wanted is not None else self._new_id()
        self.items[mid] = _monitor(mid, item)
        return result | {"id": mid}

    def _check(self, proto: Ocpp201, item: Payload, wanted: int | None) -> str:
        if not proto.device.is_monitorable(item) or item["type"] not in CRITERION:
            return "UnsupportedMonitorType"
        if not 0 <= item["severity"] <= 9 or (wanted is not None and wanted not in self.items):
            return "Rejected"
        candidate = _monitor(wanted or 0, item)
        if any(m.same_as(candidate) and m.id != wanted for m in self.items.values()):
            return "Duplicate"
        return "Accepted"

    def _new_id(self) -> int:
        while self.next_id in self.items:
            self.next_id += 1
        self.next_id += 1
        return self.next_id - 1


def _monitor(mid: int, item: Payload) -> Monitor:
    return Monitor(
        mid,
        item["component"],
        item["variable"],
        item["type"],
        float(item["value"]),
        item["severity"],
        bool(item.get("transaction", False)),
    )


def _monitors(proto: Ocpp201) -> Monitors:
    if proto.monitors is None:
        proto.monitors = Monitors()
    return proto.monitors


def set_variable_monitoring(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    items = p["setMonitoringData"]
    return {"setMonitoringResult": [_monitors(proto).set(proto, item) for item in items]}


def clear_variable_monitoring(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    store = _monitors(proto).items
    results = [
        {"id": mid, "status": "Accepted" if store.pop(mid, None) is not None else "NotFound"}
        for mid in p["id"]
    ]
    return {"clearMonitoringResult": results}


def set_monitoring_base(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """All keeps every monitor; FactoryDefault and HardWiredOnly drop the ones set by the
    CSMS (the simulated station has no preconfigured monitors)."""
    monitors = _monitors(proto)
    monitors.base = p["monitoringBase"]
    if monitors.base != "All":
        monitors.items.clear()
    return {"status": "Accepted"}


def set_monitoring_level(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    if not 0 <= p["severity"] <= 9:
        return {"status": "Rejected"}
    _monitors(proto).level = p["severity"]
    return {"status": "Accepted"}


def get_monitoring_report(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    wanted, criteria = p.get("componentVariable"), p.get("monitoringCriteria")
    chosen = [
        m
        for m in sorted(_monitors(proto).items.values(), key=lambda m: m.id)
        if (criteria is None or CRITERION[m.type] in criteria)
        and (wanted is None or any(matches(_key(m), w) for w in wanted))
    ]
    if not chosen:
        return {"status": "EmptyResultSet"}

    def part(items: Sequence[Any], seq_no: int, tbc: bool) -> Payload:
        header = report_header(ctl, p["requestId"], seq_no, tbc)
        return {**header, "monitor": [_data(m) for m in items]}

    send_parts(ctl, "NotifyMonitoringReport", chosen, PER_MESSAGE, part)
    return {"status": "Accepted"}


def _key(m: Monitor) -> tuple[str, str | None, str, str | None]:
    return (
        m.component["name"],
        m.component.get("instance"),
        m.variable["name"],
        m.variable.get("instance"),
    )


def _data(m: Monitor) -> Payload:
    monitoring = {
        "id": m.id,
        "transaction": m.transaction,
        "value": m.value,
        "type": m.type,
        "severity": m.severity,
    }
    return {"component": m.component, "variable": m.variable, "variableMonitoring": [monitoring]}
