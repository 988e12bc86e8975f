"""Workspace settings: the business time zone every analysis counts its days in, and the
trusted sources of the golden record.

Business time zone
------------------

Orders, feedback and interactions are stored in UTC (imports convert naive times with the
mapping's ``timezone`` option). Analyses then need one calendar: which day, month or quarter
an order at 2026-01-01 07:00 Beijing time (2025-12-31 23:00 UTC) belongs to. That calendar is
the workspace's **business time zone**, chosen by this rule:

1. the zone set with :func:`set_time_zone` (``cimlab workspace settings --time-zone``, or the
   app's sidebar), when there is one;
2. else the zone the workspace's active imports read their times in (the ``timezone`` option of
   each batch's mapping, the one with the most rows loaded; orders count before other tables);
3. else :data:`DEFAULT_TIME_ZONE`, the import default (``Asia/Shanghai``).

Setting ``None`` returns to the automatic choice.

Source priority
---------------
The channels whose customer data the golden record trusts most, best first
(:mod:`cimlab.customers.golden`, survivorship rule 3): a value from a listed channel beats any value from
a channel listed later or not at all. Unset (``None``), recency and the other rules decide.

Reporting currency
------------------
The currency every money figure is shown in, and the exchange rates into it, are settings of the
same kind, kept by :mod:`cimlab.money` (:func:`cimlab.money.reporting_currency`,
:func:`cimlab.money.set_reporting_currency`; ``cimlab workspace settings --reporting-currency``).

Settings are kept in the workspace's ``meta`` table, so backups and restores carry them.

Examples
--------
>>> import tempfile
>>> from cimlab.workspace import Workspace
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> time_zone_choice(ws)
TimeZoneChoice(zone='Asia/Shanghai', source='default')
>>> set_time_zone(ws, "Europe/London")
TimeZoneChoice(zone='Europe/London', source='setting')
>>> business_time_zone(ws)
'Europe/London'
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from cimlab.dates import check_time_zone

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "DEFAULT_TIME_ZONE",
    "TimeZoneChoice",
    "automatic_time_zone",
    "business_time_zone",
    "check_source_priority",
    "set_source_priority",
    "set_time_zone",
    "source_priority",
    "time_zone_choice",
]

#: The zone used when nothing else says which: the import default for naive times.
DEFAULT_TIME_ZONE = "Asia/Shanghai"

_KEY = "time_zone"
_PRIORITY_KEY = "source_priority"
_CHANNEL = re.compile(r"^[a-z][a-z0-9_]*$")


class TimeZoneChoice(NamedTuple):
    """The business time zone and where it comes from: ``"setting"``, ``"imports"`` or
    ``"default"`` (see the module docstring)."""

    zone: str
    source: Literal["setting", "imports", "default"]


def _imported_zone(ws: Workspace) -> str | None:
    """The ``timezone`` option of the active batches with the most rows loaded (orders first)."""
    active = ws.rows(
        "SELECT table_name, mapping, rows_loaded FROM batches WHERE status = 'active' "
        "ORDER BY batch_id DESC"
    )
    weights: dict[tuple[bool, str], int] = {}
    for table, mapping, rows in active:
        try:
            zone = json.loads(mapping or "{}").get("options", {}).get("timezone")
            zone = check_time_zone(zone)
        except (ValueError, AttributeError, TypeError):
            continue  # an old or hand-made batch without a readable option says nothing
        key = (table == "orders", zone)
        weights[key] = weights.get(key, 0) + int(rows or 0)
    if not weights:
        return None
    # orders first, then most rows, then the zone name (so that ties are decided the same way)
    (_, zone), _ = max(weights.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1]))
    return zone


def automatic_time_zone(ws: Workspace) -> TimeZoneChoice:
    """The zone ``ws`` would use without a setting: that of its imports, else the default."""
    imported = _imported_zone(ws)
    if imported is not None:
        return TimeZoneChoice(imported, "imports")
    return TimeZoneChoice(DEFAULT_TIME_ZONE, "default")


def time_zone_choice(ws: Workspace) -> TimeZoneChoice:
    """The business time zone of ``ws`` and its source (the rule of the module docstring)."""
    stored = ws.rows("SELECT value FROM meta WHERE key = ?", [_KEY])
    if stored:
        try:
            return TimeZoneChoice(check_time_zone(stored[0][0]), "setting")
        except ValueError:
            pass  # unknown to this machine's zone database: fall back to the automatic choice
    return automatic_time_zone(ws)


def business_time_zone(ws: Workspace) -> str:
    """The IANA zone whose calendar days the analyses of ``ws`` count (see the module rule)."""
    return time_zone_choice(ws).zone


def set_time_zone(ws: Workspace, zone: str | None) -> TimeZoneChoice:
    """Set the business time zone of ``ws`` (an IANA name); ``None`` returns to the automatic
    choice. Returns the zone now in force.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> set_time_zone(Workspace.open(tempfile.mkdtemp()), "Beijing")
    Traceback (most recent call last):
    ...
    ValueError: time_zone='Beijing' is not an IANA time zone; write e.g. 'Asia/Shanghai', 'Europe/London' or 'UTC'.
    """
    if zone is not None:
        zone = check_time_zone(zone)
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_KEY])
        if zone is not None:
            con.execute("INSERT INTO meta VALUES (?, ?)", [_KEY, zone])
    return time_zone_choice(ws)


def source_priority(ws: Workspace) -> tuple[str, ...] | None:
    """The channels the golden record of ``ws`` trusts most, best first; ``None`` when unset.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> source_priority(ws) is None
    True
    >>> set_source_priority(ws, ["store", "online_shop", "store"])
    ('store', 'online_shop')
    """
    stored = ws.rows("SELECT value FROM meta WHERE key = ?", [_PRIORITY_KEY])
    if not stored:
        return None
    try:
        channels = json.loads(stored[0][0])
        return check_source_priority(channels)
    except (ValueError, TypeError):
        return None  # unreadable (written by hand): as if unset


def check_source_priority(channels: object) -> tuple[str, ...]:
    """``channels`` as a tuple of channel tokens, best first and without repeats; a ValueError
    saying what to write otherwise."""
    if isinstance(channels, str) or not isinstance(channels, Sequence):
        raise ValueError(
            f"source_priority={channels!r} should be a list of channels, best first, "
            "e.g. ['store', 'online_shop']"
        )
    bad = [c for c in channels if not isinstance(c, str) or not _CHANNEL.match(c)]
    if bad or not channels:
        raise ValueError(
            f"source_priority={list(channels)!r}: give channel names such as 'store' or "
            "'online_shop' (lower-case letters, digits, underscores), best first"
        )
    return tuple(dict.fromkeys(channels))


def set_source_priority(ws: Workspace, channels: Sequence[str] | None) -> tuple[str, ...] | None:
    """Save the channels the golden record trusts most, best first (duplicates dropped);
    ``None`` removes the setting. Returns the setting now in force.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> set_source_priority(Workspace.open(tempfile.mkdtemp()), "store")
    Traceback (most recent call last):
    ...
    ValueError: source_priority='store' should be a list of channels, best first, e.g. ['store', 'online_shop']
    """
    value = None if channels is None else check_source_priority(channels)
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_PRIORITY_KEY])
        if value is not None:
            con.execute("INSERT INTO meta VALUES (?, ?)", [_PRIORITY_KEY, json.dumps(list(value))])
    return source_priority(ws)
