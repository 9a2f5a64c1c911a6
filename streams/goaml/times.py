"""goAML times -> UTC. goAML writes ``sql_date`` values as naive local time of the FIU; a value
with ``Z`` or an offset is honoured as written. Birth dates never go through here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytz

from streams.errors import ConfigError


def zone_for(fiu: str, tz: str | None) -> Any:
    """The time zone of ``--tz``, else the FIU country's only zone; an error says to pass ``--tz``."""
    if tz:
        try:
            return pytz.timezone(tz)
        except pytz.UnknownTimeZoneError:
            raise ConfigError(
                f"unknown time zone {tz!r}", hint="pass an IANA name, e.g. --tz Asia/Dubai"
            ) from None
    zones = pytz.country_timezones.get(fiu.upper(), [])
    if len(zones) == 1:
        return pytz.timezone(zones[0])
    some = f" (one of {', '.join(zones[:6])}{', ...' if len(zones) > 6 else ''})" if zones else ""
    raise ConfigError(
        f"goAML times are local time and the zone of FIU {fiu} is not known{some}",
        hint="pass --tz with the FIU's IANA time zone, e.g. --tz Asia/Jakarta",
    )


def to_utc(value: str, zone: Any) -> str:
    """``2026-03-18T14:05:00`` in ``zone`` -> ``2026-03-18T10:05:00Z``; ValueError if unreadable."""
    t = datetime.fromisoformat(value.strip())
    if t.tzinfo is None:
        t = zone.localize(t)
    t = t.astimezone(UTC)
    frac = f".{t.microsecond:06d}".rstrip("0") if t.microsecond else ""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
