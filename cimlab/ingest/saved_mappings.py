"""Saved column mappings: a mapping kept in the workspace under a name, with the headers of the
file it was made for, so that the next file of the same layout is imported the same way.

The app's Import page saves them ("Save this mapping") and offers one on the next upload of the
same layout; ``cimlab import FILE --workspace DIR --mapping NAME`` uses one from the command
line; ``cimlab workspace mappings`` lists them and exports one as a mapping YAML file that
``--mapping FILE.yaml`` reads.

A file has the **same layout** as a saved mapping when their header sets are equal once each
header is normalised (:func:`~cimlab.ingest.mapping.normalise_header`: case, width, spaces,
underscores and hyphens do not count). A file that is not the same layout still **fits** a
saved mapping when it has every header the mapping reads (mapped columns, line numbers, row
filters, derived-column templates); :func:`matching_mappings` lists both, same layout first.

Stored in the workspace database, table ``saved_mappings`` (one row per name; the mapping as
the YAML text of :func:`mapping_yaml`). Saving replaces a mapping of the same name, in one
transaction.

Examples
--------
>>> import tempfile
>>> from cimlab.workspace import Workspace
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> headers = ["单号", "下单时间", "实收"]
>>> m = ColumnMapping("orders", {"order_id": "单号", "order_ts": "下单时间", "amount": "实收"})
>>> save_mapping(ws, "shop orders", m, headers).name
'shop orders'
>>> [(x.saved.name, x.exact) for x in matching_mappings(ws, ["单号", "下单时间", "实收 "])]
[('shop orders', True)]
>>> saved_mapping(ws, "shop orders").mapping == m
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from cimlab.errors import MappingError
from cimlab.ingest.mapping import ColumnMapping, list_presets, normalise_header, template_parts

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "DDL",
    "MappingMatch",
    "SavedMapping",
    "check_name",
    "delete_mapping",
    "layout_key",
    "mapping_from_yaml",
    "mapping_yaml",
    "match_mappings",
    "matching_mappings",
    "save_mapping",
    "saved_mapping",
    "saved_mappings",
]

DDL = [
    "CREATE TABLE IF NOT EXISTS saved_mappings ("
    "name VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL, headers VARCHAR NOT NULL, "
    "layout VARCHAR NOT NULL, mapping_yaml VARCHAR NOT NULL, saved_at TIMESTAMPTZ NOT NULL)"
]
"""The table of saved mappings (created on the first save with ``Workspace.ensure_tables``)."""

_MAX_NAME = 80
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_YAML_HEADER = "# cimlab column mapping: canonical column: source header (see schemas/README.md)\n"


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved in a workspace.

    Attributes
    ----------
    name
        The name it was saved under (unique in the workspace).
    table
        Its canonical table.
    headers
        The headers of the file it was made for, as written there.
    mapping
        The column mapping (with its reading options, filters, constants, derived columns).
    saved_at
        When it was saved (UTC).
    """

    name: str
    table: str
    headers: tuple[str, ...]
    mapping: ColumnMapping
    saved_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (``name, table, headers, saved_at`` in ISO 8601, ``mapping``).

        Examples
        --------
        >>> m = ColumnMapping("customers", {"source_customer_id": "会员卡号"})
        >>> s = SavedMapping("vip", "customers", ("会员卡号",), m, dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
        >>> s.to_dict()["saved_at"], s.to_dict()["mapping"]["columns"]
        ('2026-01-02T00:00:00+00:00', {'source_customer_id': '会员卡号'})
        """
        return {
            "name": self.name,
            "table": self.table,
            "headers": list(self.headers),
            "saved_at": self.saved_at.isoformat(),
            "mapping": self.mapping.to_dict(),
        }


@dataclass(frozen=True)
class MappingMatch:
    """A saved mapping that fits a file's headers.

    Attributes
    ----------
    saved
        The saved mapping.
    exact
        True when the file has the same layout (the same normalised header set).
    shared
        Share of the two header sets in common (1.0 for the same layout).
    mapping
        ``saved.mapping`` with every header it reads spelt as in the file.
    """

    saved: SavedMapping
    exact: bool
    shared: float
    mapping: ColumnMapping


# --------------------------------------------------------------------------- pure helpers


def _clean(header: object) -> str:
    return "" if header is None else str(header).strip().strip("\ufeff").strip()


def layout_key(headers: Sequence[str]) -> tuple[str, ...]:
    """The layout of a header row: its normalised non-empty headers, sorted, each once.

    Examples
    --------
    >>> layout_key(["Order ID", " amount", "order_id", ""])
    ('amount', 'orderid')
    """
    return tuple(sorted({normalise_header(_clean(h)) for h in headers if _clean(h)}))


def _headers_read(mapping: ColumnMapping) -> list[str]:
    """Every source header ``mapping`` reads, trimmed (:meth:`ColumnMapping.source_columns`)."""
    return list(dict.fromkeys(_clean(h) for h in mapping.source_columns() if _clean(h)))


def _retarget(mapping: ColumnMapping, headers: Sequence[str]) -> ColumnMapping:
    """``mapping`` with every header it reads spelt as in ``headers`` (same normalised name)."""
    spelt: dict[str, str] = {}
    for header in headers:
        if _clean(header):
            spelt.setdefault(normalise_header(_clean(header)), header)

    def fit(header: str) -> str:
        cleaned = _clean(header)
        if any(_clean(h) == cleaned for h in headers):
            return header
        return spelt.get(normalise_header(cleaned), header)

    def fit_template(template: str) -> str:
        return "".join(
            "{" + fit(text) + "}" if is_header else text.replace("{", "{{").replace("}", "}}")
            for text, is_header in template_parts(template)
        )

    changes: dict[str, Any] = {"columns": {c: fit(s) for c, s in mapping.columns.items()}}
    line_from = mapping.options.line_number_from
    if line_from is not None:
        changes["options"] = dataclasses.replace(mapping.options, line_number_from=fit(line_from))
    if mapping.filters:
        changes["filters"] = tuple(
            dataclasses.replace(r, column=fit(r.column)) for r in mapping.filters
        )
    if mapping.derived:
        changes["derived"] = {c: fit_template(t) for c, t in mapping.derived.items()}
    return dataclasses.replace(mapping, **changes)


def mapping_yaml(mapping: ColumnMapping) -> str:
    """The mapping as the YAML text ``--mapping FILE.yaml`` reads (keys of
    :meth:`~cimlab.ingest.mapping.ColumnMapping.to_dict`, Chinese written as is).

    Examples
    --------
    >>> text = mapping_yaml(ColumnMapping("orders", {"order_id": "单号"}))
    >>> "order_id: 单号" in text and mapping_from_yaml(text).columns == {"order_id": "单号"}
    True
    """
    body = yaml.safe_dump(mapping.to_dict(), allow_unicode=True, sort_keys=False)
    return _YAML_HEADER + body


def mapping_from_yaml(text: str, *, where: str = "the saved mapping") -> ColumnMapping:
    """Inverse of :func:`mapping_yaml`; a bad text raises :class:`MappingError` naming ``where``.

    Examples
    --------
    >>> mapping_from_yaml("table: orders\\ncolumns: {order_id: 单号}\\n").table
    'orders'
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{where}: not valid YAML ({exc}).") from None
    try:
        return ColumnMapping.from_dict(document)
    except MappingError as exc:
        raise MappingError(f"{where}: {exc}") from None


def check_name(name: object) -> str:
    """A saved mapping's name, trimmed; refused when empty, too long, with control characters,
    ending in ``.yaml``/``.yml`` (``--mapping`` would look for a file) or a preset's name
    (the preset would win).

    Examples
    --------
    >>> check_name("  Shop orders (2026) ")
    'Shop orders (2026)'
    >>> check_name("jd_orders")
    Traceback (most recent call last):
    ...
    cimlab.errors.MappingError: 'jd_orders' is the name of a mapping preset; choose another name for the saved mapping.
    """
    if not isinstance(name, str) or not name.strip():
        raise MappingError("A saved mapping needs a name (for example: shop orders).")
    text = unicodedata.normalize("NFC", name.strip())
    if len(text) > _MAX_NAME:
        raise MappingError(
            f"The name of a saved mapping has at most {_MAX_NAME} characters, not {len(text)}."
        )
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise MappingError("The name of a saved mapping cannot hold control characters.")
    if text.lower().endswith((".yaml", ".yml")):
        raise MappingError(
            f"{text!r} ends like a file name; name the saved mapping without .yaml/.yml."
        )
    if text in {p.name for p in list_presets()}:
        raise MappingError(
            f"{text!r} is the name of a mapping preset; choose another name for the saved mapping."
        )
    return text


def _saved_from_row(row: tuple[Any, ...]) -> SavedMapping:
    name, table, headers, text, saved_us = row
    return SavedMapping(
        name=name,
        table=table,
        headers=tuple(json.loads(headers)),
        mapping=mapping_from_yaml(text, where=f"saved mapping {name!r}"),
        saved_at=_EPOCH + dt.timedelta(microseconds=int(saved_us)),
    )


# --------------------------------------------------------------------------- workspace


def save_mapping(
    ws: Workspace,
    name: str,
    mapping: ColumnMapping,
    headers: Sequence[str],
    *,
    at: dt.datetime | None = None,
) -> SavedMapping:
    """Save ``mapping`` under ``name`` with the ``headers`` of the file it was made for.

    A mapping of the same name is replaced (one transaction). Every header the mapping reads
    must be one of ``headers``.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> m = ColumnMapping("customers", {"source_customer_id": "会员卡号"})
    >>> save_mapping(ws, "vip", m, ["备注"])
    Traceback (most recent call last):
    ...
    cimlab.errors.MappingError: The mapping reads "会员卡号", which is not a header of the file (备注).
    """
    from cimlab.dates import as_utc

    text = check_name(name)
    if not isinstance(mapping, ColumnMapping):
        raise MappingError(f"save_mapping needs a ColumnMapping, not {type(mapping).__name__}.")
    kept = [h for h in (_clean(h) for h in headers) if h]
    missing = [h for h in _headers_read(mapping) if h not in kept]
    if missing:
        shown = ", ".join(f'"{h}"' for h in missing)
        raise MappingError(
            f"The mapping reads {shown}, which {'is' if len(missing) == 1 else 'are'} not "
            f"{'a header' if len(missing) == 1 else 'headers'} of the file ({', '.join(kept)})."
        )
    when = as_utc(at, name="at") if at is not None else dt.datetime.now(dt.UTC)
    saved = SavedMapping(text, mapping.table, tuple(headers), mapping, when)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        con.execute("DELETE FROM saved_mappings WHERE name = ?", [text])
        con.execute(
            "INSERT INTO saved_mappings VALUES (?, ?, ?, ?, ?, make_timestamptz(?))",
            [
                text,
                mapping.table,
                json.dumps(list(headers), ensure_ascii=False),
                json.dumps(list(layout_key(headers)), ensure_ascii=False),
                mapping_yaml(mapping),
                int((when - _EPOCH) / dt.timedelta(microseconds=1)),
            ],
        )
    return saved


def saved_mappings(ws: Workspace) -> list[SavedMapping]:
    """Every saved mapping of ``ws``, by name (empty when none was ever saved).

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> saved_mappings(Workspace.open(tempfile.mkdtemp()))
    []
    """
    if not ws.has_table("saved_mappings"):
        return []
    rows = ws.rows(
        "SELECT name, table_name, headers, mapping_yaml, epoch_us(saved_at) "
        "FROM saved_mappings ORDER BY name"
    )
    return [_saved_from_row(row) for row in rows]


def saved_mapping(ws: Workspace, name: str) -> SavedMapping:
    """The saved mapping called ``name``; the error lists the saved names.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> saved_mapping(Workspace.open(tempfile.mkdtemp()), "shop")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cimlab.errors.MappingError: No saved mapping 'shop' in workspace ...; saved mappings: none saved yet ...
    """
    found = {s.name: s for s in saved_mappings(ws)}
    key = name.strip() if isinstance(name, str) else name
    if key in found:
        return found[key]
    known = (
        ", ".join(repr(n) for n in found) or "none saved yet (save one in the app's Import page)"
    )
    raise MappingError(
        f"No saved mapping {name!r} in workspace {ws.path}; saved mappings: {known}."
    )


def delete_mapping(ws: Workspace, name: str) -> None:
    """Delete the saved mapping called ``name`` (an unknown name raises, listing the saved ones).

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> _ = save_mapping(ws, "vip", ColumnMapping("customers", {"source_customer_id": "卡号"}), ["卡号"])
    >>> delete_mapping(ws, "vip"); saved_mappings(ws)
    []
    """
    saved = saved_mapping(ws, name)
    with ws.transaction() as con:
        con.execute("DELETE FROM saved_mappings WHERE name = ?", [saved.name])


def match_mappings(saved: Sequence[SavedMapping], headers: Sequence[str]) -> list[MappingMatch]:
    """The pure core of :func:`matching_mappings`: which of ``saved`` fit ``headers``, ranked
    (same layout first, then the most headers in common, then the newest, then by name).

    Examples
    --------
    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> m = ColumnMapping("customers", {"source_customer_id": "Member ID"})
    >>> a = SavedMapping("a", "customers", ("Member ID", "City"), m, at)
    >>> b = SavedMapping("b", "customers", ("Member ID",), m, at)
    >>> [(x.saved.name, x.exact, x.mapping.columns) for x in match_mappings([a, b], ["member_id"])]
    [('b', True, {'source_customer_id': 'member_id'}), ('a', False, {'source_customer_id': 'member_id'})]
    """
    layout = set(layout_key(headers))
    found: list[MappingMatch] = []
    for one in saved:
        theirs = set(layout_key(one.headers))
        exact = theirs == layout
        reads = {normalise_header(h) for h in _headers_read(one.mapping)}
        if not exact and not reads <= layout:
            continue
        shared = len(theirs & layout) / len(theirs | layout) if theirs | layout else 1.0
        found.append(MappingMatch(one, exact, shared, _retarget(one.mapping, headers)))
    found.sort(key=lambda x: (not x.exact, -x.shared, -x.saved.saved_at.timestamp(), x.saved.name))
    return found


def matching_mappings(ws: Workspace, headers: Sequence[str]) -> list[MappingMatch]:
    """Saved mappings of ``ws`` that fit a file with ``headers``: those of the same layout
    (:func:`layout_key`), then those whose every header read is in the file; ranked by
    :func:`match_mappings`."""
    return match_mappings(saved_mappings(ws), headers)
