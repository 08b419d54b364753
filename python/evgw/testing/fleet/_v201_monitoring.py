"""2.0.1 variable monitoring (block N): SetVariableMonitoring, ClearVariableMonitoring,
SetMonitoringBase, SetMonitoringLevel, GetMonitoringReport (NotifyMonitoringReport parts),
and the monitors firing NotifyEvent (`Monitors.evaluate`, every tick of the charger's life):

- UpperThreshold / LowerThreshold: trigger Alerting when the value goes above / below the
  monitor's value, once, and again with ``cleared`` when it comes back;
- Delta: trigger Delta when the value moved more than the monitor's value from the last
  reported one (the value when the monitor was set, at first);
- Periodic / PeriodicClockAligned: trigger Periodic every monitor-value seconds (simulated
  time; clock-aligned on multiples of the interval).

Only monitors whose severity is at or below SetMonitoringLevel's report. The measured
variable that changes by itself is ``ChargingStation.Power`` (W drawn by every connector, see
`_v201_device`); the others change through SetVariables (and fire then too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from evgw.testing.fleet._commands import report_header, send_parts
from evgw.testing.fleet._measures import stamp
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


@attrs.define
class Watch:
    """What a monitor last saw: alerting (thresholds), the reference (Delta), next due time
    (periodic)."""

    alerting: bool = False
    reference: float | None = None
    due_s: float | None = None


class Monitors:
    def __init__(self) -> None:
        self.items: dict[int, Monitor] = {}
        self.watches: dict[int, Watch] = {}
        self.next_id = 1
        self.next_event_id = 1
        self.level = 9
        self.base = "All"

    def evaluate(self, proto: Ocpp201, ctl: Control) -> Payload | None:
        """A NotifyEvent of the monitors that fire now (None when none does)."""
        data = []
        for m in sorted(self.items.values(), key=lambda m: m.id):
            watch = self.watches.setdefault(m.id, Watch())
            value = _reading(proto, ctl, m)
            fired = None if value is None else _fires(m, watch, value, ctl.now())
            if fired is not None and m.severity <= self.level:
                data.append(self._event(ctl, m, value, *fired))
        if not data:
            return None
        return {"generatedAt": stamp(ctl, ctl.now()), "seqNo": 0, "tbc": False, "eventData": data}

    def _event(
        self, ctl: Control, m: Monitor, value: float | None, trigger: str, cleared: bool
    ) -> Payload:
        self.next_event_id += 1
        event: Payload = {
            "eventId": self.next_event_id - 1,
            "timestamp": stamp(ctl, ctl.now()),
            "trigger": trigger,
            "actualValue": f"{value:g}",
            "component": m.component,
            "variable": m.variable,
            "variableMonitoringId": m.id,
            "eventNotificationType": "CustomMonitor",
        }
        if cleared:
            event["cleared"] = True
        return event

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
        self.watches.pop(mid, None)  # a replaced monitor starts from what it sees next
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


def _reading(proto: Ocpp201, ctl: Control, m: Monitor) -> float | None:
    try:
        return float(proto.device.value(ctl, _key(m)))
    except (KeyError, ValueError):
        return None


def _fires(m: Monitor, w: Watch, value: float, now: float) -> tuple[str, bool] | None:
    """(trigger, cleared) when monitor `m` fires at `value`; updates what it saw."""
    if m.type in ("UpperThreshold", "LowerThreshold"):
        return _threshold(m, w, value)
    if m.type == "Delta":
        return _delta(m, w, value)
    return _periodic(m, w, now)


def _threshold(m: Monitor, w: Watch, value: float) -> tuple[str, bool] | None:
    beyond = value > m.value if m.type == "UpperThreshold" else value < m.value
    if beyond == w.alerting:
        return None
    w.alerting = beyond
    return ("Alerting", not beyond)


def _delta(m: Monitor, w: Watch, value: float) -> tuple[str, bool] | None:
    if w.reference is None:
        w.reference = value
        return None
    if abs(value - w.reference) <= m.value:
        return None
    w.reference = value
    return ("Delta", False)


def _periodic(m: Monitor, w: Watch, now: float) -> tuple[str, bool] | None:
    interval = max(1.0, m.value)
    if w.due_s is None:
        aligned = m.type == "PeriodicClockAligned"
        w.due_s = (now // interval + 1) * interval if aligned else now + interval
        return None
    if now < w.due_s:
        return None
    w.due_s += interval * (int((now - w.due_s) // interval) + 1)
    return ("Periodic", False)


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
