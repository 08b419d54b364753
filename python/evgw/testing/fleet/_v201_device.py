"""A small OCPP 2.0.1 device model: the variables a station reports (GetBaseReport) and
answers (Get/SetVariables), with DeviceDataCtrlr.ItemsPerMessage / BytesPerMessage enforced."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import attrs

from evgw.testing.fleet._local_list import PER_MESSAGE, local_list
from evgw.testing.fleet._protocol import CallRefused, Control, Payload

# (component, component instance, variable, variable instance)
Key = tuple[str, str | None, str, str | None]
READ_ONLY, READ_WRITE, WRITE_ONLY = "ReadOnly", "ReadWrite", "WriteOnly"
DEFAULT_ITEMS = 4
DEFAULT_BYTES = 8000
DISPLAY_MESSAGES = 8  # how many display messages the station holds
NETWORK_SLOTS = 4  # SetNetworkProfile configurationSlot 0..3; slot 0: the connection in use
PRIORITY = ("OCPPCommCtrlr", None, "NetworkConfigurationPriority", None)
POWER = ("ChargingStation", None, "Power", None)  # W drawn now: what monitors see change
ALL_CRITERIA = {"Active", "Available", "Enabled"}  # every component is; none has a Problem


@attrs.define
class Variable:
    value: str
    mutability: str = READ_WRITE
    data_type: str = "string"  # string | integer | boolean | MemberList


def _defaults(items: int, size: int) -> dict[Key, Variable]:
    per = {"GetReport", "GetVariables", "SetVariables"}
    out: dict[Key, Variable] = {
        ("ChargingStation", None, "Model", None): Variable("SimCharger", READ_ONLY),
        ("ChargingStation", None, "VendorName", None): Variable("evgw-sim", READ_ONLY),
        POWER: Variable("0", READ_ONLY, "decimal"),
        ("OCPPCommCtrlr", None, "HeartbeatInterval", None): Variable("300", data_type="integer"),
        ("SampledDataCtrlr", None, "TxUpdatedInterval", None): Variable("60", data_type="integer"),
        ("SampledDataCtrlr", None, "TxUpdatedMeasurands", None): Variable(
            "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC",
            data_type="MemberList",
        ),
        ("SecurityCtrlr", None, "SecurityProfile", None): Variable("1", READ_ONLY, "integer"),
        ("SecurityCtrlr", None, "BasicAuthPassword", None): Variable("", WRITE_ONLY),
        ("SecurityCtrlr", None, "OrganizationName", None): Variable("Example CPO"),
        ("SmartChargingCtrlr", None, "Enabled", None): Variable("true", READ_ONLY, "boolean"),
        ("SmartChargingCtrlr", None, "RateUnit", None): Variable("A,W", READ_ONLY, "MemberList"),
        ("SmartChargingCtrlr", None, "ProfileStackLevel", None): Variable(
            "10", READ_ONLY, "integer"
        ),
        ("AuthCtrlr", None, "Enabled", None): Variable("true", data_type="boolean"),
        ("AuthCtrlr", None, "AuthorizeRemoteStart", None): Variable("false", data_type="boolean"),
        ("TxCtrlr", None, "EVConnectionTimeOut", None): Variable("120", data_type="integer"),
        ("LocalAuthListCtrlr", None, "Enabled", None): Variable("true", data_type="boolean"),
        ("LocalAuthListCtrlr", None, "Entries", None): Variable("0", READ_ONLY, "integer"),
        ("LocalAuthListCtrlr", None, "ItemsPerMessage", None): Variable(
            str(PER_MESSAGE), READ_ONLY, "integer"
        ),
        ("OCPPCommCtrlr", None, "NetworkConfigurationPriority", None): Variable(
            "0", data_type="SequenceList"
        ),
        ("ReservationCtrlr", None, "Enabled", None): Variable("true", READ_ONLY, "boolean"),
        ("ReservationCtrlr", None, "NonEvseSpecific", None): Variable("true", READ_ONLY, "boolean"),
        ("DisplayMessageCtrlr", None, "Enabled", None): Variable("true", READ_ONLY, "boolean"),
        ("DisplayMessageCtrlr", None, "DisplayMessages", None): Variable(
            str(DISPLAY_MESSAGES), READ_ONLY, "integer"
        ),
        ("DisplayMessageCtrlr", None, "SupportedFormats", None): Variable(
            "ASCII,UTF8", READ_ONLY, "MemberList"
        ),
        ("DisplayMessageCtrlr", None, "SupportedPriorities", None): Variable(
            "AlwaysFront,InFront,NormalCycle", READ_ONLY, "MemberList"
        ),
        ("MonitoringCtrlr", None, "Enabled", None): Variable("true", READ_ONLY, "boolean"),
        ("MonitoringCtrlr", None, "ActiveMonitoringBase", None): Variable("All", READ_ONLY),
        ("MonitoringCtrlr", None, "ActiveMonitoringLevel", None): Variable(
            "9", READ_ONLY, "integer"
        ),
    }
    for instance in sorted(per):
        out["DeviceDataCtrlr", None, "ItemsPerMessage", instance] = Variable(
            str(items), READ_ONLY, "integer"
        )
        out["DeviceDataCtrlr", None, "BytesPerMessage", instance] = Variable(
            str(size), READ_ONLY, "integer"
        )
    return out


def _key(item: Payload) -> Key:
    c, v = item["component"], item["variable"]
    return (c["name"], c.get("instance"), v["name"], v.get("instance"))


def _valid(var: Variable, value: str) -> bool:
    if var.data_type == "SequenceList":
        return all(x.strip().isdigit() for x in value.split(","))
    if var.data_type == "integer":
        return value.isdigit() and int(value) > 0
    if var.data_type == "boolean":
        return value in ("true", "false")
    return len(value) <= 1000


class DeviceModel:
    def __init__(self, items_per_message: int = DEFAULT_ITEMS) -> None:
        self.variables = _defaults(items_per_message, DEFAULT_BYTES)
        # SetNetworkProfile's slots (0: the connection the station was set up with)
        self.network: dict[int, Payload | None] = {0: None}
        # variables that live elsewhere in the charger: read from it, written to it
        self._live: dict[Key, tuple[Callable[[Control], str], Callable[[Control, str], None]]] = {
            ("OCPPCommCtrlr", None, "HeartbeatInterval", None): (
                lambda ctl: str(int(ctl.heartbeat_s)),
                lambda ctl, v: ctl.set_heartbeat_interval(float(v)),
            ),
            POWER: (
                lambda ctl: str(round(sum(c.power_w for c in ctl.model.connectors.values()))),
                lambda ctl, v: None,  # read-only: never called
            ),
            ("LocalAuthListCtrlr", None, "Entries", None): (
                lambda ctl: str(len(local_list(ctl).entries)),
                lambda ctl, v: None,  # read-only: never called
            ),
            ("SampledDataCtrlr", None, "TxUpdatedInterval", None): (
                lambda ctl: str(int(ctl.model.settings.meter_interval_s)),
                lambda ctl, v: _set_meter_interval(ctl, float(v)),
            ),
        }

    def limit(self, variable: str, instance: str) -> int:
        return int(self.variables["DeviceDataCtrlr", None, variable, instance].value)

    def check_size(self, instance: str, items: list[Payload], payload: Payload) -> None:
        """B06/B05: too many items or bytes for one message -> CALLERROR."""
        if len(items) > self.limit("ItemsPerMessage", instance):
            too_many = f"more than ItemsPerMessage{instance}"
            raise CallRefused("OccurrenceConstraintViolation", too_many)
        size = len(json.dumps(payload, separators=(",", ":")).encode())
        if size > self.limit("BytesPerMessage", instance):
            raise CallRefused("FormatViolation", f"longer than BytesPerMessage{instance}")

    def value(self, ctl: Control, key: Key) -> str:
        live = self._live.get(key)
        return live[0](ctl) if live else self.variables[key].value

    def get(self, ctl: Control, item: Payload) -> Payload:
        """One GetVariableResult."""
        out: Payload = {"component": item["component"], "variable": item["variable"]}
        kind = item.get("attributeType", "Actual")
        status = self._lookup(item, kind)
        if status == "Accepted" and self.variables[_key(item)].mutability == WRITE_ONLY:
            status = "Rejected"
        out["attributeStatus"] = status
        if status == "Accepted":
            out["attributeType"] = kind
            out["attributeValue"] = self.value(ctl, _key(item))
        return out

    def set(self, ctl: Control, item: Payload) -> Payload:
        """One SetVariableResult; an accepted value takes effect at once."""
        kind = item.get("attributeType", "Actual")
        status = self._lookup(item, kind)
        key = _key(item) if status == "Accepted" else None
        if key is not None:
            var, value = self.variables[key], item["attributeValue"]
            if var.mutability == READ_ONLY or not _valid(var, value):
                status = "Rejected"
            elif key == PRIORITY and not self._slots_set(value):
                status = "Rejected"  # B09: only configured slots can take priority
            else:
                var.value = value
                if key in self._live:
                    self._live[key][1](ctl, value)
        return {
            "attributeType": kind,
            "attributeStatus": status,
            "component": item["component"],
            "variable": item["variable"],
        }

    def _slots_set(self, value: str) -> bool:
        return all(int(x) in self.network for x in value.split(","))

    def set_network_profile(self, slot: int, data: Payload) -> str:
        """SetNetworkProfile: Accepted, or Rejected (no such slot, a lower security profile)."""
        current = int(self.variables["SecurityCtrlr", None, "SecurityProfile", None].value)
        if not 0 <= slot < NETWORK_SLOTS or data["securityProfile"] < current:
            return "Rejected"
        self.network[slot] = data
        return "Accepted"

    def endpoints(self) -> list[str | None]:
        """The CSMS URLs to connect to after a reboot, in NetworkConfigurationPriority order
        (None: the URL the station was started with, slot 0 until a profile replaces it)."""
        order = [int(x) for x in self.variables[PRIORITY].value.split(",") if x.strip()]
        slots = [self.network.get(n) for n in order if n in self.network]
        return [None if d is None else str(d["ocppCsmsUrl"]) for d in slots] or [None]

    def lookup(self, item: Payload) -> str:
        """Accepted, UnknownComponent or UnknownVariable for a component/variable pair."""
        return self._lookup(item, "Actual")

    def is_monitorable(self, item: Payload) -> bool:
        var = self.variables.get(_key(item))
        return var is not None and _monitorable(var)

    def _lookup(self, item: Payload, kind: str) -> str:
        key = _key(item)
        if key in self.variables:
            return "Accepted" if kind == "Actual" else "NotSupportedAttributeType"
        if not any(k[:2] == key[:2] for k in self.variables):
            return "UnknownComponent"
        return "UnknownVariable"

    def report(self, ctl: Control, base: str) -> list[Payload]:
        """ReportData of FullInventory, ConfigurationInventory (writable) or SummaryInventory."""
        return [self._report_data(ctl, key, var) for key, var in self._select(base)]

    def custom_report(
        self, ctl: Control, wanted: list[Payload] | None, criteria: list[str] | None
    ) -> list[Payload]:
        """GetReport: the variables of the components (and variables) asked for, of components
        meeting one of the criteria."""
        if criteria is not None and not ALL_CRITERIA.intersection(criteria):
            return []
        return [
            self._report_data(ctl, key, var)
            for key, var in self.variables.items()
            if wanted is None or any(matches(key, w) for w in wanted)
        ]

    def _select(self, base: str) -> Iterator[tuple[Key, Variable]]:
        for key, var in self.variables.items():
            if base == "ConfigurationInventory" and var.mutability == READ_ONLY:
                continue
            if base == "SummaryInventory" and key[0] != "ChargingStation":
                continue
            yield key, var

    def _report_data(self, ctl: Control, key: Key, var: Variable) -> Payload:
        component: Payload = {"name": key[0]}
        variable: Payload = {"name": key[2]}
        if key[1] is not None:
            component["instance"] = key[1]
        if key[3] is not None:
            variable["instance"] = key[3]
        attribute: Payload = {"type": "Actual", "mutability": var.mutability}
        if var.mutability != WRITE_ONLY:
            attribute["value"] = self.value(ctl, key)
        return {
            "component": component,
            "variable": variable,
            "variableAttribute": [attribute],
            "variableCharacteristics": {
                "dataType": var.data_type,
                "supportsMonitoring": _monitorable(var),
            },
        }


def _monitorable(var: Variable) -> bool:
    """Monitors can watch the numeric variables."""
    return var.data_type in ("integer", "decimal") and var.mutability != WRITE_ONLY


def matches(key: Key, wanted: Payload) -> bool:
    """Does `key` fall under a ComponentVariable (the variable, and instances, optional)?"""
    component, variable = wanted["component"], wanted.get("variable")
    if key[0] != component["name"] or component.get("instance", key[1]) != key[1]:
        return False
    if variable is None:
        return True
    return bool(key[2] == variable["name"] and variable.get("instance", key[3]) == key[3])


def _set_meter_interval(ctl: Control, seconds: float) -> None:
    ctl.model.settings = attrs.evolve(ctl.model.settings, meter_interval_s=seconds)
