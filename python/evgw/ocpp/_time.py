"""OCPP timestamps: RFC 3339; a missing offset is read as UTC (a documented tolerance)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_timestamp(text: str) -> datetime:
    """Aware datetime from an OCPP date-time (the codec has checked its shape)."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def format_timestamp(value: datetime) -> str:
    """`2025-01-02T03:04:05.678Z` (UTC, milliseconds)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def utc_now() -> datetime:
    return datetime.now(UTC)
