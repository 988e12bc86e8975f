"""Column mapping: which source header feeds which canonical column, and how to read it.

A :class:`ColumnMapping` says, for one canonical table, ``canonical column → source header`` plus
the reading options of the file (:class:`MappingOptions`: timezone, currency, status words...).
It comes from one of four places, resolved by :func:`resolve_mapping`:

* nothing: :func:`suggest_mapping` picks the preset whose aliases cover most headers;
* a preset name (``schemas/presets/<name>.yaml``, see :func:`list_presets`);
* a YAML file written by a user (or by :meth:`ColumnMapping.to_yaml`);
* a dict or a :class:`ColumnMapping` (the app's mapping editor).

Matching rules (documented in ``schemas/README.md``):

* aliases are compared after :func:`normalise_header` (NFKC, case-folded, without whitespace,
  underscores and hyphens), so ``Order ID``, ``order_id`` and ``ＯＲＤＥＲ－ＩＤ`` are one alias;
* in a preset, the first alias found in the file wins, and one header feeds one column;
* headers no alias matches stay unmapped (they are not imported);
* duplicate or empty headers are never renamed: a suggested or preset mapping over such a header
  row is refused (:func:`check_headers`); an explicit mapping (plain ``column: header`` pairs) is
  accepted as long as it does not name a duplicated header.

Examples
--------
>>> m = suggest_mapping(["订单编号", "买家实付金额", "买家下单时间", "宝贝标题"])
>>> m.preset, m.table, m.channel, m.columns["amount"]
('taobao_orders', 'orders', 'tmall', '买家实付金额')
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cimlab.contracts.columns import (
    ORDER_STATUSES,
    TABLES,
    check_table,
    column_labels_zh,
    column_names,
    contract_document,
    schemas_dir,
)
from cimlab.dates import is_time_zone
from cimlab.errors import MappingError
from cimlab.privacy import scrub_text

__all__ = [
    "SOURCE_REQUIRED",
    "ColumnMapping",
    "MappingOptions",
    "Preset",
    "PresetTable",
    "check_headers",
    "column_labels_zh",
    "contract_document",
    "detect_preset",
    "list_presets",
    "load_mapping_file",
    "load_preset",
    "normalise_header",
    "resolve_mapping",
    "schemas_dir",
    "source_required",
    "suggest_mapping",
]

SOURCE_REQUIRED: dict[str, list[str]] = {
    "customers": ["source_customer_id"],
    "orders": ["order_id", "order_ts", "amount"],
    "interactions": ["source_customer_id", "ts", "type"],
    "feedback": ["source_customer_id", "ts"],
}
"""Canonical columns a source file must provide, per table.

The import fills ``channel``, ``currency``, ``status``, ``line_number``, ``customer_type`` and the
``*_is_masked`` flags when the file has no such column. See :func:`source_required` for the
orders variant where ``quantity`` × ``unit_price`` replaces ``amount``.
"""

_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Ignored when comparing headers: whitespace, underscores, hyphens/dashes, zero-width characters.
_IGNORED = re.compile(r"[\s_\-\u2010-\u2015\u200b-\u200d\u2060\ufeff]+")
_MAPPING_KEYS = frozenset({"table", "columns", "preset", "channel", "options"})
_PRESET_KEYS = frozenset(
    {"name", "label", "label_zh", "description", "table", "channel", "columns", "options", "tables"}
)
_HOW_TO_FIX = (
    "give an explicit mapping (--mapping FILE.yaml with `columns: {canonical: header}`, "
    "or pick the columns in the app's Import page)"
)


def normalise_header(header: str) -> str:
    """Comparison key of a header: NFKC (full-width → ASCII), case-folded, without spaces,
    underscores, hyphens and BOM/zero-width characters.

    Examples
    --------
    >>> normalise_header(" Order_ID ") == normalise_header("ＯＲＤＥＲ－ｉｄ") == "orderid"
    True
    """
    return _IGNORED.sub("", unicodedata.normalize("NFKC", header).casefold())


def _clean(header: object) -> str:
    """Header as the user sees it: surrounding whitespace and BOM removed."""
    if header is None:
        return ""
    return str(header).strip().strip("\ufeff").strip()


def _show(header: object) -> str:
    """Quote a header for a message, masking anything that looks like an e-mail or a phone.

    A file without a header row turns its first data row into headers: never echo it raw
    (:func:`cimlab.privacy.scrub_text`, the one scrubber, with ``digits`` as for raw rows).
    """
    text = scrub_text(_clean(header), digits=True)
    if len(text) > 40:
        text = text[:37] + "..."
    return f'"{text}"'


def _show_headers(headers: Sequence[object], limit: int = 30) -> str:
    shown = ", ".join(_show(h) for h in headers[:limit])
    if len(headers) > limit:
        shown += f", ... ({len(headers)} columns)"
    return shown or "(none)"


# --------------------------------------------------------------------------- contract documents
# The YAML contract readers live in cimlab.contracts.columns; schemas_dir, contract_document and
# column_labels_zh stay importable from here (imported above).
_canonical_columns = column_names


def _label(table: str, column: str) -> str:
    try:
        zh = column_labels_zh(table).get(column)
    except (OSError, MappingError, KeyError, TypeError):
        zh = None
    return f"{column} ({zh})" if zh else column


# --------------------------------------------------------------------------- options and mapping


@dataclass(frozen=True)
class MappingOptions:
    """How to read the values of one source file.

    Parameters
    ----------
    timezone
        IANA zone of naive times in the file; they are converted to UTC.
    day_first
        Read ``05/01/2024`` as 5 January.
    default_region
        ISO country used to read phone numbers without a country code.
    currency
        ISO 4217 code of amounts when the file has no currency column.
    status_values
        Extra source status text → ``paid``/``pending``/``refunded``/``cancelled``.
    cancel_prefix
        An order id starting with it is a cancellation (``"C"`` for UCI invoices).
    amount_from_quantity_and_unit_price
        Line amount = quantity × unit price (the file has no amount column).
    deleted_marker
        Text after an order id marking a deleted order (``"(删除)"`` in JD exports).
    line_number_from
        Source header whose values identify the lines of one order (Douyin's 子订单编号).

    Examples
    --------
    >>> MappingOptions(currency="GBP", cancel_prefix="C").to_dict()["currency"]
    'GBP'
    """

    timezone: str = "Asia/Shanghai"
    day_first: bool = False
    default_region: str = "CN"
    currency: str | None = None
    status_values: Mapping[str, str] = field(default_factory=dict)
    cancel_prefix: str | None = None
    amount_from_quantity_and_unit_price: bool = False
    deleted_marker: str | None = None
    line_number_from: str | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not is_time_zone(self.timezone):
            problems.append(
                f"timezone={self.timezone!r} is not an IANA zone such as 'Asia/Shanghai'"
            )
        for name in ("day_first", "amount_from_quantity_and_unit_price"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name}={getattr(self, name)!r} should be true or false")
        if not (
            isinstance(self.default_region, str) and re.fullmatch(r"[A-Z]{2}", self.default_region)
        ):
            problems.append(
                f"default_region={self.default_region!r} should be a two-letter country code such as 'CN'"
            )
        if self.currency is not None and not (
            isinstance(self.currency, str) and _CURRENCY.fullmatch(self.currency)
        ):
            problems.append(f"currency={self.currency!r} should be an ISO code such as 'CNY'")
        for name in ("cancel_prefix", "deleted_marker", "line_number_from"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and value.strip()):
                problems.append(f"{name}={value!r} should be non-empty text")
        if not isinstance(self.status_values, Mapping):
            problems.append("status_values should map source text to a status")
        else:
            for key, value in self.status_values.items():
                if not isinstance(key, str) or value not in ORDER_STATUSES:
                    problems.append(
                        f"status_values[{key!r}]={value!r} should be one of {', '.join(ORDER_STATUSES)}"
                    )
            object.__setattr__(self, "status_values", dict(self.status_values))
        if problems:
            raise MappingError("Invalid mapping options: " + "; ".join(problems) + ".")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of every option.

        Examples
        --------
        >>> MappingOptions().to_dict()["timezone"]
        'Asia/Shanghai'
        """
        data = dataclasses.asdict(self)
        data["status_values"] = dict(self.status_values)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> MappingOptions:
        """Options from a dict; missing keys take their defaults, unknown keys are an error.

        Examples
        --------
        >>> MappingOptions.from_dict({"currency": "CNY"}).timezone
        'Asia/Shanghai'
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise MappingError(f"options should be a mapping of option: value, not {data!r}.")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise MappingError(
                f"Unknown mapping option(s) {', '.join(unknown)}; known options: "
                f"{', '.join(sorted(known))}."
            )
        values = dict(data)
        if values.get("status_values") is None:
            values.pop("status_values", None)
        return cls(**values)


@dataclass(frozen=True)
class ColumnMapping:
    """Canonical column → source header for one table, with the file's reading options.

    Parameters
    ----------
    table
        Canonical table (``customers``, ``orders``, ``interactions``, ``feedback``).
    columns
        Canonical column → source header, kept in contract order.
    preset
        Name of the preset it came from, if any (provenance only).
    channel
        Suggested channel token (the caller's ``--channel`` wins).
    options
        How to read the values.

    Examples
    --------
    >>> m = ColumnMapping("customers", {"source_customer_id": "会员卡号", "phone": "手机号"})
    >>> ColumnMapping.from_dict(m.to_dict()) == m
    True
    """

    table: str
    columns: Mapping[str, str]
    preset: str | None = None
    channel: str | None = None
    options: MappingOptions = field(default_factory=MappingOptions)

    def __post_init__(self) -> None:
        canonical = _canonical_columns(self.table)  # raises for an unknown table
        if not isinstance(self.columns, Mapping):
            raise MappingError(
                f"columns should map canonical column → source header, not {self.columns!r}."
            )
        unknown = [c for c in self.columns if c not in canonical]
        if unknown:
            raise MappingError(
                f"{', '.join(map(repr, unknown))} is not a column of the {self.table} table; "
                f"its columns are: {', '.join(canonical)}."
            )
        for column, source in self.columns.items():
            if not isinstance(source, str) or not _clean(source):
                raise MappingError(
                    f"The source header of {_label(self.table, column)} should be a non-empty "
                    f"header name, not {source!r}."
                )
        ordered = {c: self.columns[c] for c in canonical if c in self.columns}
        object.__setattr__(self, "columns", ordered)
        if self.channel is not None and not _TOKEN.fullmatch(str(self.channel)):
            raise MappingError(
                f"channel={self.channel!r} should be lower-case letters, digits and underscores, "
                "starting with a letter (e.g. tmall, online_shop)."
            )
        if not isinstance(self.options, MappingOptions):
            raise MappingError("options should be a MappingOptions.")

    def source_columns(self) -> list[str]:
        """Source headers this mapping reads (mapped columns, then ``line_number_from``).

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).source_columns()
        ['订单号']
        """
        used = list(dict.fromkeys(self.columns.values()))
        line_from = self.options.line_number_from
        if line_from is not None and line_from not in used:
            used.append(line_from)
        return used

    def unmapped(self, headers: Sequence[str]) -> list[str]:
        """Headers of ``headers`` this mapping does not read (they are not imported).

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).unmapped(["订单号", "备注"])
        ['备注']
        """
        used = {_clean(s) for s in self.source_columns()}
        return [h for h in headers if _clean(h) not in used]

    def missing_required(self) -> list[str]:
        """Required source columns (:func:`source_required`) this mapping does not provide.

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).missing_required()
        ['order_ts', 'amount']
        """
        return [c for c in source_required(self.table, self.options) if c not in self.columns]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (``table, columns, preset, channel, options``), e.g. for a batch record.

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).to_dict()["columns"]
        {'order_id': '订单号'}
        """
        return {
            "table": self.table,
            "columns": dict(self.columns),
            "preset": self.preset,
            "channel": self.channel,
            "options": self.options.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """Inverse of :meth:`to_dict`; ``preset``, ``channel`` and ``options`` may be absent.

        Examples
        --------
        >>> ColumnMapping.from_dict({"table": "orders", "columns": {"order_id": "单号"}}).preset is None
        True
        """
        if not isinstance(data, Mapping):
            raise MappingError(f"A mapping should be a dict with table and columns, not {data!r}.")
        unknown = sorted(str(k) for k in data if k not in _MAPPING_KEYS)
        if unknown:
            raise MappingError(
                f"Unknown key(s) {', '.join(unknown)} in the mapping; expected "
                f"{', '.join(sorted(_MAPPING_KEYS))}."
            )
        if "table" not in data:
            raise MappingError(f"The mapping does not say its table (one of {', '.join(TABLES)}).")
        table = data["table"]
        if table not in TABLES:
            raise MappingError(f"table={table!r} is not one of {', '.join(TABLES)}.")
        return cls(
            table=table,
            columns=dict(data.get("columns") or {}),
            preset=data.get("preset"),
            channel=data.get("channel"),
            options=MappingOptions.from_dict(data.get("options")),
        )

    def to_yaml(self, path: str | os.PathLike[str]) -> Path:
        """Write the mapping as a YAML file that :func:`load_mapping_file` reads back.

        Written by :func:`cimlab.export.write_bytes`: never into a workspace folder, never half.

        Examples
        --------
        >>> import tempfile
        >>> m = ColumnMapping("orders", {"order_id": "订单号", "order_ts": "下单时间", "amount": "金额"})
        >>> with tempfile.TemporaryDirectory() as d:
        ...     load_mapping_file(m.to_yaml(Path(d) / "m.yaml")) == m
        True
        """
        from cimlab.export import write_bytes

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)
        header = (
            "# cimlab column mapping: canonical column: source header (see schemas/README.md)\n"
        )
        return write_bytes((header + text).encode("utf-8"), Path(path))


def source_required(table: str, options: MappingOptions | None = None) -> list[str]:
    """Canonical columns a file of ``table`` must provide, under ``options``.

    Examples
    --------
    >>> source_required("orders", MappingOptions(amount_from_quantity_and_unit_price=True))
    ['order_id', 'order_ts', 'quantity', 'unit_price']
    """
    if table not in SOURCE_REQUIRED:
        raise MappingError(f"table={table!r} is not one of {', '.join(TABLES)}.")
    required = list(SOURCE_REQUIRED[table])
    if table == "orders" and options is not None and options.amount_from_quantity_and_unit_price:
        required.remove("amount")
        required += ["quantity", "unit_price"]
    return required


# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class PresetTable:
    """One table of a preset: canonical column → header aliases, and the reading options.

    ``line_number_from`` holds the aliases of the header that numbers order lines; it is resolved
    against the file's headers into :attr:`MappingOptions.line_number_from`.
    """

    columns: Mapping[str, tuple[str, ...]]
    options: MappingOptions = field(default_factory=MappingOptions)
    line_number_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preset:
    """A named set of header aliases for one platform or language, covering one or more tables.

    Examples
    --------
    >>> p = load_preset("jd_orders")
    >>> p.channel, list(p.tables), p.specific
    ('jd', ['orders'], True)
    """

    name: str
    label: str
    label_zh: str
    channel: str | None
    tables: Mapping[str, PresetTable]
    description: str = ""

    @property
    def specific(self) -> bool:
        """True for a platform preset (it names a channel), False for a generic one."""
        return self.channel is not None


def _aliases(value: object, *, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise MappingError(
            f"{where}: expected a header or a list of header spellings, not {value!r}."
        )
    if not all(isinstance(a, str) and _clean(a) for a in items):
        raise MappingError(f"{where}: every header spelling must be non-empty text, got {items!r}.")
    return tuple(items)


def _preset_table(
    table: str, spec: object, defaults: Mapping[str, Any], *, where: str
) -> PresetTable:
    if table not in TABLES:
        raise MappingError(f"{where}: table={table!r} is not one of {', '.join(TABLES)}.")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("columns"), Mapping):
        raise MappingError(f"{where}: table {table} needs `columns: {{canonical: [header, ...]}}`.")
    extra = sorted(str(k) for k in spec if k not in {"columns", "options"})
    if extra:
        raise MappingError(f"{where}: unknown key(s) {', '.join(extra)} under table {table}.")
    canonical = _canonical_columns(table)
    columns: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for column, value in spec["columns"].items():
        if column not in canonical:
            raise MappingError(
                f"{where}: {column!r} is not a column of the {table} table; "
                f"its columns are: {', '.join(canonical)}."
            )
        columns[column] = _aliases(value, where=f"{where}, {table}.{column}")
        for alias in columns[column]:
            key = normalise_header(alias)
            if owner.setdefault(key, column) != column:
                raise MappingError(
                    f"{where}: the header spelling {alias!r} is listed for both "
                    f"{owner[key]} and {column} of {table}; keep it under one column."
                )
    raw_options = {**defaults, **dict(spec.get("options") or {})}
    line_from = raw_options.pop("line_number_from", None)
    line_aliases = (
        () if line_from is None else _aliases(line_from, where=f"{where}, line_number_from")
    )
    return PresetTable(
        columns={c: columns[c] for c in canonical if c in columns},
        options=MappingOptions.from_dict(raw_options),
        line_number_from=line_aliases,
    )


def _preset_from_document(document: Mapping[str, Any], *, name: str, where: str) -> Preset:
    unknown = sorted(str(k) for k in document if k not in _PRESET_KEYS)
    if unknown:
        raise MappingError(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(_PRESET_KEYS))}."
        )
    defaults = document.get("options") or {}
    if not isinstance(defaults, Mapping):
        raise MappingError(f"{where}: options should be a mapping of option: value.")
    tables: dict[str, PresetTable] = {}
    if "tables" in document:
        if "table" in document or "columns" in document:
            raise MappingError(
                f"{where}: use either `tables:` or `table:` with `columns:`, not both."
            )
        if not isinstance(document["tables"], Mapping) or not document["tables"]:
            raise MappingError(f"{where}: `tables:` should map table names to their columns.")
        for table, spec in document["tables"].items():
            tables[table] = _preset_table(table, spec, defaults, where=where)
    else:
        table = document.get("table")
        if table is None:
            raise MappingError(f"{where}: say which table it maps (`table: {' | '.join(TABLES)}`).")
        tables[table] = _preset_table(
            table, {"columns": document.get("columns")}, defaults, where=where
        )
    channel = document.get("channel")
    if channel is not None and not _TOKEN.fullmatch(str(channel)):
        raise MappingError(
            f"{where}: channel={channel!r} should be a lower-case token such as 'tmall'."
        )
    return Preset(
        name=str(document.get("name") or name),
        label=str(document.get("label") or name),
        label_zh=str(document.get("label_zh") or document.get("label") or name),
        channel=channel,
        tables={t: tables[t] for t in TABLES if t in tables},
        description=str(document.get("description") or ""),
    )


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"{path}: mapping file not found.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(
            f"{path}: cannot read the mapping file ({exc}); save it as UTF-8."
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise MappingError(
            f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})."
        ) from None


@functools.cache
def _presets(directory: str) -> tuple[Preset, ...]:
    presets = []
    for path in sorted(Path(directory).glob("*.yaml")):
        document = _read_yaml(path)
        if not isinstance(document, Mapping):
            raise MappingError(f"{path}: expected a mapping at the top of the preset file.")
        if document.get("name", path.stem) != path.stem:
            raise MappingError(
                f"{path}: name={document.get('name')!r} should be the file name {path.stem!r}."
            )
        presets.append(_preset_from_document(document, name=path.stem, where=str(path)))
    return tuple(presets)


def list_presets() -> list[Preset]:
    """Every preset of ``schemas/presets``, sorted by name.

    Examples
    --------
    >>> [p.name for p in list_presets()][:3]
    ['douyin_orders', 'generic_en', 'generic_zh']
    """
    return list(_presets(str(schemas_dir() / "presets")))


def load_preset(name: str) -> Preset:
    """The preset called ``name``; the error lists the known names.

    Examples
    --------
    >>> load_preset("online_retail").tables["orders"].options.cancel_prefix
    'C'
    """
    presets = {p.name: p for p in list_presets()}
    try:
        return presets[name]
    except KeyError:
        raise MappingError(
            f"Unknown mapping preset {name!r}; known presets: {', '.join(presets)}."
        ) from None


# --------------------------------------------------------------------------- headers and matching


def _header_problems(headers: Sequence[object]) -> tuple[dict[str, list[int]], list[int]]:
    """Duplicated headers (cleaned name → 1-based positions) and 1-based positions of empty ones."""
    positions: dict[str, list[int]] = {}
    empty: list[int] = []
    for position, header in enumerate(headers, start=1):
        name = _clean(header)
        if name:
            positions.setdefault(name, []).append(position)
        else:
            empty.append(position)
    duplicates = {n: p for n, p in positions.items() if len(p) > 1}
    return duplicates, empty


def _positions(positions: Sequence[int]) -> str:
    """``[2, 5, 6]`` → ``"2, 5 and 6"``."""
    *head, last = map(str, positions)
    return f"{', '.join(head)} and {last}" if head else last


def _header_error(
    file: str, duplicates: Mapping[str, list[int]], empty: Sequence[int]
) -> MappingError:
    parts = [f"columns {_positions(p)} share the name {_show(n)}" for n, p in duplicates.items()]
    if len(empty) == 1:
        parts.append(f"column {empty[0]} has an empty header")
    elif empty:
        parts.append(f"columns {_positions(empty)} have an empty header")
    return MappingError(
        f"{file}: the header row is ambiguous: {'; '.join(parts)}. cimlab never renames columns "
        f"silently. Fix the header row, or {_HOW_TO_FIX} that does not use these columns."
    )


def check_headers(headers: Sequence[str], *, file: str) -> None:
    """Raise :class:`MappingError` on duplicate or empty headers, naming their 1-based positions.

    Headers are compared after removing surrounding whitespace and a BOM.

    Examples
    --------
    >>> check_headers(["订单号", "金额"], file="a.csv")
    >>> check_headers(["\ufeff订单号 ", "金额"], file="a.csv")
    >>> try:
    ...     check_headers(["订单号", "金额", " 金额"], file="a.csv")
    ... except MappingError as e:
    ...     print(str(e).split(": ")[1])
    the header row is ambiguous
    """
    duplicates, empty = _header_problems(headers)
    if duplicates or empty:
        raise _header_error(file, duplicates, empty)


def _match(table: PresetTable, headers: Sequence[str]) -> tuple[dict[str, str], str | None, int]:
    """Match a preset table against headers.

    Returns the columns found, the ``line_number_from`` header, and how many headers are one of
    the table's spellings (a header row listing two spellings of one column counts both: it
    looks all the more like this preset's export).
    """
    index: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        if _clean(header):
            index.setdefault(normalise_header(_clean(header)), []).append(position)
    used: set[int] = set()

    def pick(aliases: Sequence[str]) -> str | None:
        for alias in aliases:
            hits = [i for i in index.get(normalise_header(alias), []) if i not in used]
            if hits:
                exact = [i for i in hits if _clean(headers[i]) == _clean(alias)]
                chosen = (exact or hits)[0]
                used.add(chosen)
                return headers[chosen]
        return None

    columns: dict[str, str] = {}
    for column, aliases in table.columns.items():
        found = pick([*aliases, column])  # the canonical name itself is always understood
        if found is not None:
            columns[column] = found
    line_from = pick(table.line_number_from) if table.line_number_from else None
    known = {normalise_header(a) for aliases in table.columns.values() for a in aliases}
    known.update(normalise_header(a) for a in table.line_number_from)
    covered = sum(len(positions) for key, positions in index.items() if key in known)
    return columns, line_from, covered


def _covers_required(table: str, preset_table: PresetTable, columns: Mapping[str, str]) -> bool:
    return all(c in columns for c in source_required(table, preset_table.options))


def detect_preset(
    headers: Sequence[str], *, table: str | None = None
) -> tuple[Preset | None, str | None, int]:
    """The preset and table whose aliases cover the most headers, and how many they cover.

    A header is covered when it is one of the table's spellings (normalised), used or not.
    Ties go to the platform-specific preset, then to the table whose required columns are all
    found. ``(None, table, 0)`` when no alias matches.

    Examples
    --------
    >>> preset, table, score = detect_preset(["InvoiceNo", "StockCode", "Quantity", "InvoiceDate"])
    >>> preset.name, table, score
    ('online_retail', 'orders', 4)
    """
    table = table or None
    if table is not None:
        check_table(table)
    best: tuple[tuple[int, bool, bool], Preset, str] | None = None
    for preset in list_presets():
        for name, preset_table in preset.tables.items():
            if table is not None and name != table:
                continue
            columns, _, score = _match(preset_table, headers)
            key = (score, preset.specific, _covers_required(name, preset_table, columns))
            if best is None or key > best[0]:
                best = (key, preset, name)
    if best is None or best[0][0] == 0:
        return None, table, 0
    return best[1], best[2], best[0][0]


def _mapping_from_preset(
    preset: Preset, headers: Sequence[str], table: str | None
) -> ColumnMapping:
    if table is None:
        scored = []
        for name, preset_table in preset.tables.items():
            columns, _, score = _match(preset_table, headers)
            scored.append((score, _covers_required(name, preset_table, columns), name))
        table = max(scored, key=lambda s: s[:2])[2] if len(scored) > 1 else scored[0][2]
    elif table not in preset.tables:
        raise MappingError(
            f"Preset {preset.name!r} maps the {', '.join(preset.tables)} table(s), not {table}; "
            f"choose another preset or table."
        )
    preset_table = preset.tables[table]
    columns, line_from, _ = _match(preset_table, headers)
    options = dataclasses.replace(preset_table.options, line_number_from=line_from)
    return ColumnMapping(
        table, columns, preset=preset.name, channel=preset.channel, options=options
    )


def suggest_mapping(
    headers: Sequence[str], *, table: str | None = None, preset: str | None = None
) -> ColumnMapping:
    """Suggest a mapping from header aliases; unmatched headers stay unmapped.

    With ``preset``, use its aliases; without, pick the preset (and the table, when ``table`` is
    None) by :func:`detect_preset`. The result is a suggestion: :func:`resolve_mapping` checks it.

    Examples
    --------
    >>> m = suggest_mapping(["order id", "Order Date", "Total", "Notes"], table="orders")
    >>> m.preset, m.columns
    ('generic_en', {'order_id': 'order id', 'order_ts': 'Order Date', 'amount': 'Total'})
    """
    table = table or None
    if preset is not None:
        return _mapping_from_preset(load_preset(preset), headers, table)
    found, found_table, _ = detect_preset(headers, table=table)
    if found is None:
        if table is None:
            raise MappingError(
                f"No known column name among the headers ({_show_headers(headers)}), so the table "
                f"cannot be guessed. Say which table it is (--table {' | '.join(TABLES)}) and "
                f"{_HOW_TO_FIX}."
            )
        return ColumnMapping(table, {})
    return _mapping_from_preset(found, headers, found_table)


# --------------------------------------------------------------------------- user mappings


def _mapping_from_document(
    document: object, *, headers: Sequence[str] | None, table: str | None, where: str
) -> tuple[ColumnMapping, bool]:
    """A mapping from a user document and whether it is explicit (plain ``column: header`` pairs)."""
    if not isinstance(document, Mapping):
        raise MappingError(f"{where}: expected a mapping with `table:` and `columns:`.")
    columns = document.get("columns")
    preset_like = "tables" in document or (
        isinstance(columns, Mapping) and any(isinstance(v, list) for v in columns.values())
    )
    if preset_like:
        preset = _preset_from_document(document, name=Path(where).stem, where=where)
        if headers is None:
            raise MappingError(
                f"{where}: a mapping with lists of header spellings needs the file's headers to "
                "choose among them."
            )
        return _mapping_from_preset(preset, headers, table), False
    data = dict(document)
    if table is not None:
        data.setdefault("table", table)
    try:
        return ColumnMapping.from_dict(data), True
    except MappingError as exc:
        raise MappingError(f"{where}: {exc}") from None


def load_mapping_file(
    path: str | os.PathLike[str],
    *,
    headers: Sequence[str] | None = None,
    table: str | None = None,
) -> ColumnMapping:
    """Read a user's mapping YAML: plain (``columns: {canonical: header}``) or preset format.

    A preset-format file (lists of header spellings, or ``tables:``) needs ``headers`` to choose
    among the spellings. ``table`` fills in a plain file that does not say its table.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "shop.yaml"
    ...     _ = p.write_text("table: orders\\ncolumns: {order_id: 单号, amount: 实收}\\n", encoding="utf-8")
    ...     load_mapping_file(p).columns
    {'order_id': '单号', 'amount': '实收'}
    """
    target = Path(path)
    mapping, _ = _mapping_from_document(
        _read_yaml(target), headers=headers, table=table, where=str(target)
    )
    return mapping


def _spec_to_mapping(
    spec: object, headers: Sequence[str], table: str | None
) -> tuple[ColumnMapping, bool]:
    if spec is None:
        return suggest_mapping(headers, table=table), False
    if isinstance(spec, Preset):
        return _mapping_from_preset(spec, headers, table), False
    if isinstance(spec, ColumnMapping):
        return spec, True
    if isinstance(spec, Mapping):
        return _mapping_from_document(spec, headers=headers, table=table, where="the mapping")
    if isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        names = [p.name for p in list_presets()]
        if isinstance(spec, str) and text in names:
            return suggest_mapping(headers, table=table, preset=text), False
        path = Path(text)
        if path.is_file() or path.suffix.lower() in {".yaml", ".yml"}:
            mapping, explicit = _mapping_from_document(
                _read_yaml(path), headers=headers, table=table, where=str(path)
            )
            return mapping, explicit
        raise MappingError(
            f"--mapping {text!r} is neither a known preset ({', '.join(names)}) nor a YAML file."
        )
    raise MappingError(
        "A mapping should be a preset name, a YAML file, a dict or a ColumnMapping, "
        f"not {type(spec).__name__}."
    )


def resolve_mapping(
    spec: object,
    headers: Sequence[str],
    *,
    table: str | None = None,
    file: str = "the file",
) -> ColumnMapping:
    """Turn a mapping spec into a checked :class:`ColumnMapping` for a file with ``headers``.

    ``spec`` is None (suggest), a preset name or :class:`Preset`, a path to a YAML file, a dict
    or a :class:`ColumnMapping`; ``table`` None (or ``""``) lets the spec or the headers decide.
    Rules:

    * duplicate or empty headers: refused when the mapping is suggested or alias-based (None, a
      preset, a file with lists of spellings); an explicit mapping is accepted unless it names
      a duplicated header;
    * every mapped source header must be in ``headers`` (compared without surrounding
      whitespace/BOM; the result names the header exactly as in ``headers``);
    * every :func:`source_required` column must be mapped.

    Every failure is a :class:`MappingError` naming the file and saying what to do.

    Examples
    --------
    >>> resolve_mapping("jd_orders", ["订单号", "下单时间", "应付金额", "下单账号"]).columns
    {'order_id': '订单号', 'source_customer_id': '下单账号', 'order_ts': '下单时间', 'amount': '应付金额'}
    >>> try:
    ...     resolve_mapping(None, ["订单号", "金额"], table="orders", file="a.csv")
    ... except MappingError as e:
    ...     print(str(e).split(". ")[0])
    a.csv: no column for order_ts (下单时间), which the orders table requires
    """
    table = table or None
    mapping, explicit = _spec_to_mapping(spec, headers, table)
    if table is not None and mapping.table != table:
        raise MappingError(
            f"{file}: the mapping is for the {mapping.table} table, but the {table} table was asked for; "
            "choose the mapping of that table or change --table."
        )
    duplicates, empty = _header_problems(headers)
    if (duplicates or empty) and not explicit:
        raise _header_error(file, duplicates, empty)
    if duplicates:
        named = {_clean(s) for s in mapping.source_columns()}
        clash = {n: p for n, p in duplicates.items() if n in named}
        if clash:
            raise _header_error(file, clash, [])

    by_clean = {_clean(h): h for h in headers if _clean(h)}
    by_norm: dict[str, str] = {}
    for h in headers:
        if _clean(h):
            by_norm.setdefault(normalise_header(_clean(h)), h)

    def locate(source: str, what: str) -> str:
        if _clean(source) in by_clean:
            return by_clean[_clean(source)]
        near = by_norm.get(normalise_header(_clean(source)))
        hint = f" (did you mean {_show(near)}?)" if near is not None else ""
        raise MappingError(
            f"{file}: the mapping reads {what} from the column {_show(source)}, which is not in the "
            f"file{hint}. Columns in the file: {_show_headers(headers)}. Fix the mapping "
            "(--mapping FILE.yaml) or pick the column in the app's Import page."
        )

    columns = {c: locate(s, _label(mapping.table, c)) for c, s in mapping.columns.items()}
    if mapping.table == "orders" and "order_ts" not in columns and "paid_ts" in columns:
        # an export with only a payment time (mini-program orders): the order happened then
        columns["order_ts"] = columns["paid_ts"]
    line_from = mapping.options.line_number_from
    options = mapping.options
    if line_from is not None:
        options = dataclasses.replace(
            options, line_number_from=locate(line_from, "the line numbers")
        )
    resolved = dataclasses.replace(mapping, columns=columns, options=options)

    missing = resolved.missing_required()
    if missing:
        labels = ", ".join(_label(resolved.table, c) for c in missing)
        it = "it" if len(missing) == 1 else "them"
        raise MappingError(
            f"{file}: no column for {labels}, which the {resolved.table} table requires. "
            f"Columns in the file: {_show_headers(headers)}. Map {it} with --mapping FILE.yaml "
            f"(`columns: {{{missing[0]}: <header>}}`) or pick the column in the app's Import page."
        )
    return resolved
