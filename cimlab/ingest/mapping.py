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
    DERIVED_FLAGS,
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
    "FILTER_OPS",
    "SOURCE_REQUIRED",
    "TIME_FORMATS",
    "ColumnMapping",
    "MappingOptions",
    "Preset",
    "PresetTable",
    "RowFilter",
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
    "template_parts",
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

TIME_FORMATS = ("epoch_s", "epoch_ms")
"""Values of :attr:`MappingOptions.time_format`: Unix epoch seconds or milliseconds (UTC)."""

_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Ignored when comparing headers: whitespace, underscores, hyphens/dashes, zero-width characters.
_IGNORED = re.compile(r"[\s_\-\u2010-\u2015\u200b-\u200d\u2060\ufeff]+")
_MAPPING_KEYS = frozenset(
    {"table", "columns", "preset", "channel", "options", "filters", "constants", "derived"}
)
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


# --------------------------------------------------------------------------- row filters

FILTER_OPS = ("==", "!=", "in", "not in", "not empty")
"""Operators of a :class:`RowFilter`."""

# The first operator in a rule's text (after its column): == / != ; in [ / not in [ ; not empty.
_FILTER_OP = re.compile(
    r"\s*(?P<eq>==|!=)\s*|\s+(?P<list>(?i:not\s+in|in))\s*(?=\[)|\s+(?P<empty>(?i:not\s+empty))\s*$"
)
_PLAIN_VALUE = re.compile(r"[^\s,\[\]\"'](?:[^,\[\]\"']*[^\s,\[\]\"'])?")


def _quote_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_quoted(text: str, start: int, *, where: str) -> tuple[str, int]:
    """The quoted text starting at ``text[start]`` (``"`` or ``'``; ``\\`` escapes) and the end."""
    quote, out, i = text[start], [], start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if char == quote:
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise MappingError(f"{where}: a quote {quote} is never closed.")


def _filter_values(text: str, *, where: str) -> tuple[str, ...]:
    """``a, "b, c", d`` → ``('a', 'b, c', 'd')``."""
    values: list[str] = []
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i < len(text) and text[i] in "\"'":
            value, i = _read_quoted(text, i, where=where)
        else:
            end = text.find(",", i)
            end = len(text) if end < 0 else end
            value, i = text[i:end].strip(), end
            if not value:
                raise MappingError(
                    f"{where}: an empty value in the list; write the values between commas "
                    '(quote a value that is empty or holds a comma: "a, b").'
                )
            if any(c in value for c in "[]\"'"):
                raise MappingError(
                    f"{where}: the value {value!r} holds a bracket or a quote; put it in "
                    'double quotes ("...").'
                )
        values.append(value)
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return tuple(values)
        if text[i] != ",":
            raise MappingError(f"{where}: expected a comma after {value!r}.")
        i += 1


def _show_value(value: str) -> str:
    return value if _PLAIN_VALUE.fullmatch(value) else _quote_text(value)


@dataclass(frozen=True)
class RowFilter:
    """Keep only the rows whose raw cell in ``column`` passes one condition.

    A cell is compared after trimming whitespace, exactly (case-sensitive); a missing cell is
    empty. ``not empty`` keeps cells that hold a value (not blank and not a "no value" spelling
    such as ``N/A``, ``--``, ``暂无``: the rule the import uses for missing values). Rules are
    written as text (:meth:`parse`) and ``str(rule)`` gives the canonical text back, which also
    names the rule in the counts of filtered rows.

    Parameters
    ----------
    column
        A source header of the file (raw, before mapping).
    op
        One of :data:`FILTER_OPS`.
    values
        One value for ``==``/``!=``, one or more for ``in``/``not in``, none for ``not empty``.

    Examples
    --------
    >>> rule = RowFilter.parse("status in [invoiced,shipped]")
    >>> rule.column, rule.op, rule.values
    ('status', 'in', ('invoiced', 'shipped'))
    >>> str(rule), str(RowFilter("behavior_type", "==", ("buy",)))
    ('status in [invoiced, shipped]', 'behavior_type == buy')
    >>> str(RowFilter.parse("note in ['on hold, late', x]")), str(RowFilter.parse("email NOT EMPTY"))
    ('note in ["on hold, late", x]', 'email not empty')
    """

    column: str
    op: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not _clean(self.column):
            raise MappingError(f"A row filter needs a source column, not {self.column!r}.")
        if self.op not in FILTER_OPS:
            raise MappingError(
                f"op={self.op!r} is not a row-filter operator; use one of {', '.join(FILTER_OPS)}."
            )
        values = self.values
        if isinstance(values, str) or not isinstance(values, Sequence):
            raise MappingError(f"values={values!r} should be a list of texts.")
        if not all(isinstance(v, str) for v in values):
            raise MappingError(f"values={list(values)!r} should be texts.")
        object.__setattr__(self, "values", tuple(values))
        wanted = {"==": "one value", "!=": "one value", "not empty": "no value"}
        count = len(self.values)
        if (self.op in ("==", "!=") and count != 1) or (self.op == "not empty" and count):
            raise MappingError(
                f"A row filter with {self.op} takes {wanted[self.op]}, not {list(self.values)!r}."
            )
        if self.op in ("in", "not in") and not count:
            raise MappingError(f"A row filter with {self.op} needs at least one value.")

    @classmethod
    def parse(cls, text: str | RowFilter) -> RowFilter:
        """Read a rule: ``COLUMN == VALUE``, ``COLUMN != VALUE``, ``COLUMN in [A, B]``,
        ``COLUMN not in [A, B]`` or ``COLUMN not empty``.

        A column or value may be quoted (``"..."`` or ``'...'``, ``\\`` escapes a quote): an
        empty value must be (``== ""``), a value of a list when it holds a comma, a bracket or a
        quote, a column when it holds an operator. Keywords (``in``, ``not in``, ``not empty``)
        are case-insensitive. A :class:`RowFilter` is returned as it is.

        Examples
        --------
        >>> RowFilter.parse('"订单 状态" == 已付款').column
        '订单 状态'
        >>> try:
        ...     RowFilter.parse("behavior_type = buy")
        ... except MappingError as e:
        ...     print(str(e).split(";")[0])
        Row filter 'behavior_type = buy': no operator
        """
        if isinstance(text, RowFilter):
            return text
        if not isinstance(text, str):
            raise MappingError(
                f"A row filter should be text such as 'status == paid', not {text!r}."
            )
        where = f"Row filter {text!r}"
        body = text.strip()
        if body[:1] in ("'", '"'):
            column, end = _read_quoted(body, 0, where=where)
            match = _FILTER_OP.match(body, end)
        else:
            match = _FILTER_OP.search(body)
            column = body[: match.start()].strip() if match else ""
        if match is None or not _clean(column):
            raise MappingError(
                f"{where}: no operator; write e.g. 'behavior_type == buy', "
                "'status in [invoiced, shipped]', 'status not in [canceled]' or 'email not empty'."
            )
        rest = body[match.end() :].strip()
        if match.group("empty"):
            return cls(column, "not empty")
        if match.group("list"):
            op = "not in" if match.group("list").lower().startswith("not") else "in"
            if not (rest.startswith("[") and rest.endswith("]")):
                raise MappingError(f"{where}: write the values in brackets: [a, b].")
            if not rest[1:-1].strip():
                raise MappingError(f"{where}: {op} needs at least one value in the brackets.")
            return cls(column, op, _filter_values(rest[1:-1], where=where))
        if rest[:1] in ("'", '"'):
            value, end = _read_quoted(rest, 0, where=where)
            if rest[end:].strip():
                raise MappingError(f"{where}: unexpected text after the quoted value.")
        else:
            value = rest
            if not value:
                raise MappingError(
                    f'{where}: no value after {match.group("eq")}; write "" for an empty cell.'
                )
        return cls(column, match.group("eq"), (value,))

    def __str__(self) -> str:
        plain = self._text(self.column)
        try:
            if RowFilter.parse(plain) == self:
                return plain
        except MappingError:
            pass
        return self._text(_quote_text(self.column))

    def _text(self, column: str) -> str:
        if self.op == "not empty":
            return f"{column} not empty"
        if self.op in ("in", "not in"):
            return f"{column} {self.op} [{', '.join(_show_value(v) for v in self.values)}]"
        value = self.values[0]
        plain = value and value == value.strip() and value[:1] not in ("'", '"')
        return f"{column} {self.op} {value if plain else _quote_text(value)}"


# --------------------------------------------------------------------------- constants and templates

# a {header} of a derived-column template; {{ and }} are literal braces
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def template_parts(template: str, *, where: str = "template") -> tuple[tuple[str, bool], ...]:
    """Split a derived-column template into ``(text, is_header)`` parts.

    ``{header}`` names a source column; ``{{`` and ``}}`` are literal braces; any other brace is
    an error, as is an empty ``{}``.

    Examples
    --------
    >>> template_parts("{user_id}-{timestamp}")
    (('user_id', True), ('-', False), ('timestamp', True))
    >>> template_parts("{{{sku}}}")
    (('{', False), ('sku', True), ('}', False))
    """
    parts: list[tuple[str, bool]] = []
    literal: list[str] = []
    position = 0
    gaps: list[str] = []
    for match in _PLACEHOLDER.finditer(template):
        gaps.append(template[position : match.start()])
        literal.append(gaps[-1])
        position = match.end()
        header = match.group(1)
        if header is None:  # {{ or }}
            literal.append(match.group(0)[0])
            continue
        if not _clean(header):
            raise MappingError(
                f"{where}: the template {template!r} has an empty {{}}; write a source column "
                "inside the braces, e.g. {user_id}."
            )
        if "".join(literal):
            parts.append(("".join(literal), False))
        literal = []
        parts.append((header, True))
    gaps.append(template[position:])
    literal.append(gaps[-1])
    if any(c in "{}" for gap in gaps for c in gap):
        raise MappingError(
            f"{where}: the template {template!r} has an unmatched brace; write {{header}} for a "
            "cell and {{{{ or }}}} for a literal brace."
        )
    if "".join(literal):
        parts.append(("".join(literal), False))
    return tuple(parts)


def _constant_text(table: str, column: str, value: object) -> str:
    """A constant as the text a cell would hold (numbers and true/false written out)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not (isinstance(value, float) and value != value):
        return str(value)
    if isinstance(value, str) and _clean(value):
        return value.strip()
    raise MappingError(
        f"constants: {_label(table, column)} should be one value (text or a number), not {value!r}."
    )


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
    amount_is_placeholder
        The order amounts are not real money (an orders file with no amount declares the
        constant ``amount: 1``): analyses that use money say so instead of showing it.
    time_format
        ``"epoch_s"`` or ``"epoch_ms"``: every date-time cell that is a number is a Unix time in
        seconds (decimals allowed) or milliseconds, in UTC. None (the default) reads the usual
        formats and takes a cell of exactly 10 digits as epoch seconds, 13 digits as epoch ms.

    Examples
    --------
    >>> MappingOptions(currency="GBP", cancel_prefix="C").to_dict()["currency"]
    'GBP'
    >>> MappingOptions(time_format="epoch_ms").time_format
    'epoch_ms'
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
    amount_is_placeholder: bool = False
    time_format: str | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not is_time_zone(self.timezone):
            problems.append(
                f"timezone={self.timezone!r} is not an IANA zone such as 'Asia/Shanghai'"
            )
        for name in ("day_first", "amount_from_quantity_and_unit_price", "amount_is_placeholder"):
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
        if self.time_format is not None and self.time_format not in TIME_FORMATS:
            problems.append(
                f"time_format={self.time_format!r} should be one of {', '.join(TIME_FORMATS)} "
                "(or absent: usual formats, 10-digit epoch seconds and 13-digit epoch ms)"
            )
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
        Suggested channel token (the caller's ``--channel`` wins). A file whose rows carry
        their channel maps the canonical ``channel`` column instead.
    options
        How to read the values.
    filters
        Rows to keep (:class:`RowFilter`, or its text): a row is imported only when it passes
        every rule; the others are counted as filtered, by the first rule they fail.
    constants
        Canonical column → one value for every row, read like a cell (``{"currency": "BRL",
        "quantity": "1"}``; numbers and true/false are turned into text).
    derived
        Canonical column → template over source headers, ``"{user_id}-{timestamp}"``: the
        cells (trimmed) joined with the literal text; ``{{``/``}}`` are literal braces. A row
        where one of the cells is empty gets no value.

    A canonical column comes from exactly one of ``columns``, ``constants`` and ``derived``.

    Examples
    --------
    >>> m = ColumnMapping("customers", {"source_customer_id": "会员卡号", "phone": "手机号"})
    >>> ColumnMapping.from_dict(m.to_dict()) == m
    True
    >>> log = ColumnMapping(
    ...     "orders", {"source_customer_id": "user_id", "order_ts": "timestamp"},
    ...     filters=["behavior_type == buy"], constants={"amount": 1, "currency": "CNY"},
    ...     derived={"order_id": "{user_id}-{timestamp}"})
    >>> log.to_dict()["filters"], log.constants, log.missing_required()
    (['behavior_type == buy'], {'amount': '1', 'currency': 'CNY'}, [])
    """

    table: str
    columns: Mapping[str, str]
    preset: str | None = None
    channel: str | None = None
    options: MappingOptions = field(default_factory=MappingOptions)
    filters: tuple[RowFilter, ...] = ()
    constants: Mapping[str, str] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)

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
        if self.options.amount_is_placeholder and self.table != "orders":
            raise MappingError(
                f"amount_is_placeholder is an option of orders files, not of {self.table}."
            )
        filters = self.filters
        if isinstance(filters, str | RowFilter):
            filters = (filters,)
        if not isinstance(filters, Sequence):
            raise MappingError(
                f"filters should be a list of rules such as 'status == paid', not {filters!r}."
            )
        object.__setattr__(self, "filters", tuple(RowFilter.parse(f) for f in filters))
        settable = [c for c in canonical if c not in DERIVED_FLAGS]
        constants = self._by_column("constants", settable)
        derived = self._by_column("derived", settable)
        for column, value in constants.items():
            constants[column] = _constant_text(self.table, column, value)
        for column, template in derived.items():
            if not isinstance(template, str):
                raise MappingError(
                    f"derived {_label(self.table, column)} should be a template such as "
                    f"'{{user_id}}-{{timestamp}}', not {template!r}."
                )
            parts = template_parts(template, where=f"derived {column}")
            if not any(is_header for _, is_header in parts):
                raise MappingError(
                    f"derived {column}: the template {template!r} names no source column; write "
                    f"{{header}} for a cell, or make {column} a constant."
                )
        sources = {
            "columns": set(self.columns),
            "constants": set(constants),
            "derived": set(derived),
        }
        for column in canonical:
            given = [name for name, keys in sources.items() if column in keys]
            if len(given) > 1:
                raise MappingError(
                    f"{_label(self.table, column)} is given in both {' and '.join(given)}; a "
                    "canonical column comes from one source column, one constant or one template."
                )
        object.__setattr__(
            self, "constants", {c: constants[c] for c in canonical if c in constants}
        )
        object.__setattr__(self, "derived", {c: derived[c] for c in canonical if c in derived})

    def _by_column(self, name: str, settable: Sequence[str]) -> dict[str, Any]:
        value = getattr(self, name)
        if not isinstance(value, Mapping):
            raise MappingError(f"{name} should map canonical column → value, not {value!r}.")
        unknown = [c for c in value if c not in settable]
        if unknown:
            raise MappingError(
                f"{name}: {', '.join(map(repr, unknown))} is not a column of the {self.table} "
                f"table that a file can give; its columns are: {', '.join(settable)}."
            )
        return dict(value)

    def provided(self) -> list[str]:
        """Canonical columns this mapping gives a value: mapped, constant or derived.

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "单号"}, constants={"currency": "BRL"}).provided()
        ['order_id', 'currency']
        """
        given = {*self.columns, *self.constants, *self.derived}
        return [c for c in _canonical_columns(self.table) if c in given]

    def source_columns(self) -> list[str]:
        """Source headers this mapping reads: mapped columns, ``line_number_from``, the columns
        of the row filters and the headers in derived templates (each once, in that order).

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).source_columns()
        ['订单号']
        >>> ColumnMapping("orders", {"order_ts": "t"}, filters=["type == buy"],
        ...               derived={"order_id": "{user}-{t}"}).source_columns()
        ['t', 'type', 'user']
        """
        used = list(self.columns.values())
        line_from = self.options.line_number_from
        if line_from is not None:
            used.append(line_from)
        used += [rule.column for rule in self.filters]
        for template in self.derived.values():
            used += [text for text, is_header in template_parts(template) if is_header]
        return list(dict.fromkeys(used))

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
        """Required columns (:func:`source_required`) this mapping does not provide (a constant
        or a derived column provides its column).

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).missing_required()
        ['order_ts', 'amount']
        """
        given = set(self.provided())
        return [c for c in source_required(self.table, self.options) if c not in given]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (``table, columns, [filters, constants, derived,] preset, channel,
        options``; the bracketed keys only when not empty), e.g. for a batch record.

        Examples
        --------
        >>> ColumnMapping("orders", {"order_id": "订单号"}).to_dict()["columns"]
        {'order_id': '订单号'}
        """
        data: dict[str, Any] = {"table": self.table, "columns": dict(self.columns)}
        if self.filters:
            data["filters"] = [str(rule) for rule in self.filters]
        if self.constants:
            data["constants"] = dict(self.constants)
        if self.derived:
            data["derived"] = dict(self.derived)
        data.update(preset=self.preset, channel=self.channel, options=self.options.to_dict())
        return data

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
        columns = data.get("columns") or {}
        if not isinstance(columns, Mapping):
            raise MappingError(
                f"columns should map canonical column → source header, not {columns!r}."
            )
        filters = data.get("filters") or ()
        if isinstance(filters, str):
            filters = [filters]
        if not isinstance(filters, list | tuple) or not all(
            isinstance(f, str | RowFilter) for f in filters
        ):
            raise MappingError(
                "filters should be a list of rules such as `- behavior_type == buy`, "
                f"`- status in [invoiced, shipped]`, `- email not empty`; not {filters!r}."
            )
        return cls(
            table=table,
            columns=dict(columns),
            preset=data.get("preset"),
            channel=data.get("channel"),
            options=MappingOptions.from_dict(data.get("options")),
            filters=tuple(filters),
            constants=data.get("constants") or {},
            derived=data.get("derived") or {},
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
    * every source header the mapping reads (mapped columns, line numbers, row-filter columns,
      headers in derived templates) must be in ``headers`` (compared without surrounding
      whitespace/BOM; the result names the header exactly as in ``headers``);
    * every :func:`source_required` column must be mapped, constant or derived.

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

    def locate(source: str, doing: str) -> str:
        if _clean(source) in by_clean:
            return by_clean[_clean(source)]
        near = by_norm.get(normalise_header(_clean(source)))
        hint = f" (did you mean {_show(near)}?)" if near is not None else ""
        raise MappingError(
            f"{file}: the mapping {doing} the column {_show(source)}, which is not in the "
            f"file{hint}. Columns in the file: {_show_headers(headers)}. Fix the mapping "
            "(--mapping FILE.yaml) or pick the column in the app's Import page."
        )

    def reads(column: str) -> str:
        return f"reads {_label(mapping.table, column)} from"

    columns = {c: locate(s, reads(c)) for c, s in mapping.columns.items()}
    if mapping.table == "orders" and "order_ts" not in mapping.provided() and "paid_ts" in columns:
        # an export with only a payment time (mini-program orders): the order happened then
        columns["order_ts"] = columns["paid_ts"]
    line_from = mapping.options.line_number_from
    options = mapping.options
    if line_from is not None:
        options = dataclasses.replace(
            options, line_number_from=locate(line_from, "reads the line numbers from")
        )
    filters = tuple(
        dataclasses.replace(rule, column=locate(rule.column, f"filters rows ({rule}) on"))
        for rule in mapping.filters
    )
    derived = {}
    for column, template in mapping.derived.items():
        derived[column] = "".join(
            "{" + locate(text, f"builds {column} from") + "}"
            if is_header
            else text.replace("{", "{{").replace("}", "}}")
            for text, is_header in template_parts(template)
        )
    resolved = dataclasses.replace(
        mapping, columns=columns, options=options, filters=filters, derived=derived
    )

    missing = resolved.missing_required()
    if missing:
        labels = ", ".join(_label(resolved.table, c) for c in missing)
        it = "it" if len(missing) == 1 else "them"
        raise MappingError(
            f"{file}: no column for {labels}, which the {resolved.table} table requires. "
            f"Columns in the file: {_show_headers(headers)}. Map {it} with --mapping FILE.yaml "
            f"(`columns: {{{missing[0]}: <header>}}`, or a constant: `constants: "
            f"{{{missing[0]}: <value>}}`) or pick the column in the app's Import page."
        )
    return resolved
