"""What one status notification means for health (pure): down with a cause, up, or up with
a warning. Vendor quirks from the configuration come first."""

from __future__ import annotations

import attrs

from ._config import MaintenanceConfig, Quirk
from ._model import Cause

OPERATIVE = frozenset(
    {
        "Available",
        "Preparing",
        "Charging",
        "SuspendedEVSE",
        "SuspendedEV",
        "Finishing",
        "Reserved",
        "Occupied",  # 2.x
    }
)


@attrs.frozen
class Verdict:
    cause: Cause | None  # None: up
    warning: str | None = None  # an error code reported with an operative status
    ignored: bool = False  # a quirk said to drop it


@attrs.frozen
class StatusFacts:
    status: str
    error_code: str | None
    vendor_error_code: str | None
    vendor: str = ""
    model: str = ""


def _matches(quirk: Quirk, facts: StatusFacts) -> bool:
    pairs = (
        (quirk.vendor, facts.vendor),
        (quirk.model, facts.model),
        (quirk.status, facts.status),
        (quirk.error_code, facts.error_code or ""),
        (quirk.vendor_error_code, facts.vendor_error_code or ""),
    )
    return all(not wanted or wanted == got for wanted, got in pairs)


def classify(facts: StatusFacts, cfg: MaintenanceConfig) -> Verdict:
    quirks = cfg.health.quirks
    quirk = next((q for q in quirks if _matches(q, facts)), None) if quirks else None
    if quirk is not None and quirk.action == "ignore":
        return Verdict(None, ignored=True)
    warning = facts.error_code or facts.vendor_error_code
    if quirk is not None or facts.status in OPERATIVE:
        return Verdict(None, warning=warning)
    if facts.status == "Faulted":
        return Verdict(cfg.error_cause(facts.error_code))
    if facts.status == "Unavailable":
        return Verdict(Cause.OUT_OF_SERVICE)
    return Verdict(cfg.error_cause(facts.error_code))  # a status no version defines
