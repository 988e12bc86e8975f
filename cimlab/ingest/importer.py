"""The import pipeline: read → map → parse → validate → store, one function per step.

Each step is usable alone from a notebook; :func:`check_file` runs the first four and returns an
:class:`ImportReport` without writing anything, :func:`import_file` stores a report in a workspace
as one transaction. Every import obeys ``rows_read = rows_loaded + rows_quarantined +
rows_filtered`` (rows the mapping's row filters leave out are counted apart, by rule).

Examples
--------
>>> raw = read_bytes(b"order_id,order_date,amount,currency\\nA1,2024-01-05,99,CNY\\n"
...                  b"A2,2024-02-30,5,CNY\\n", name="o.csv")
>>> report = check_raw(raw, table="orders", channel="online_shop", mapping="generic_en")
>>> report.rows_read, report.rows_loaded, report.rows_quarantined
(2, 1, 1)
>>> report.quarantine.select("line", "column", "value").rows()
[(3, 'order_date', '2024-02-30')]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandera.errors
import polars as pl

from cimlab.contracts.models import TABLES, contract, polars_schema
from cimlab.errors import CimlabError, MappingError
from cimlab.export import table_bytes
from cimlab.ingest import parsing as p
from cimlab.ingest.mapping import (
    ColumnMapping,
    MappingOptions,
    Preset,
    RowFilter,
    detect_preset,
    load_preset,
    resolve_mapping,
    template_parts,
)
from cimlab.ingest.reading import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_ROWS,
    LINE,
    REJECT_SCHEMA,
    RawTable,
    ReadLimits,
    iter_file_chunks,
    read_bytes,
    read_file,
)
from cimlab.privacy import mask_value

if TYPE_CHECKING:
    from cimlab.workspace import BatchResult, Workspace

__all__ = [
    "COLUMN_KINDS",
    "PROBLEMS_KEPT",
    "QUARANTINE_SCHEMA",
    "ImportReport",
    "ImportResult",
    "StreamTotals",
    "check_file",
    "check_raw",
    "derive_column",
    "filter_rule",
    "import_file",
    "import_files",
    "map_columns",
    "parse_table",
    "quarantine_csv",
    "store_report",
    "validate_file",
    "validate_table",
]

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {**REJECT_SCHEMA, "row_json": pl.String()}
"""One row per problem: source line, source column, raw value, reasons (English, 中文), raw row."""

_TEXT = "text"
COLUMN_KINDS: dict[str, dict[str, str]] = {
    "customers": {
        "source_customer_id": "id",
        "name": _TEXT,
        "email": "email",
        "phone": "phone",
        "gender": "gender",
        "birth_date": "date",
        "city": _TEXT,
        "region": _TEXT,
        "country": _TEXT,
        "signup_date": "date",
        "customer_type": "customer_type",
        "company": _TEXT,
        "consent_email": "bool",
        "consent_sms": "bool",
        "consent_wechat": "bool",
        "consent_phone": "bool",
        "consent_updated_at": "datetime",
        "tags": _TEXT,
    },
    "orders": {
        "order_id": "id",
        "line_number": "integer",
        "source_customer_id": "id",
        "order_ts": "datetime",
        "paid_ts": "datetime",
        "sku": "id",
        "product_name": _TEXT,
        "category": _TEXT,
        "quantity": "number",
        "unit_price": "money",
        "amount": "money",
        "currency": "currency",
        "status": "status",
        "customer_name": _TEXT,
        "phone": "phone",
        "email": "email",
        "region": _TEXT,
        "city": _TEXT,
        "country": _TEXT,
        "store": _TEXT,
    },
    "interactions": {
        "source_customer_id": "id",
        "ts": "datetime",
        "type": "token",
        "note": _TEXT,
        "interaction_id": "id",
    },
    "feedback": {
        "source_customer_id": "id",
        "ts": "datetime",
        "nps": "integer",
        "csat": "integer",
        "complaint": "bool",
        "text": _TEXT,
        "feedback_id": "id",
    },
}
"""Which parsing rule each canonical column gets (``text`` = trimmed, kept as written)."""

_EXTRA_REASONS = {
    "currency": (
        "not a currency code; write a 3-letter ISO code such as CNY, USD, GBP",
        "不是币种代码；请写 CNY、USD、GBP 这样的三位代码",
    ),
    "token": (
        "not a type name; use letters, digits and _ such as call, chat, complaint",
        "不是类型名称；请用字母、数字和下划线，如 call、chat、complaint",
    ),
    "channel": (
        "not a channel name; use lower-case letters, digits and _ starting with a letter, "
        "such as tmall, jd, online_shop",
        "不是渠道名称；请用小写字母、数字和下划线，并以字母开头，如 tmall、jd、online_shop",
    ),
}
_CHANNEL_TOKEN = r"^[a-z][a-z0-9_]*$"
_CHANNELS_UNKNOWN = "unknown"
"""The batch channel of a file whose rows carry their channel when not one row has a valid one."""


def _reason(kind: str) -> tuple[str, str]:
    return _EXTRA_REASONS.get(kind) or p.FAILURE_REASONS[kind]


# --------------------------------------------------------------------------- reports

PROBLEMS_KEPT = 1_000
"""Problems a report of a file checked in chunks keeps in memory (the workspace keeps all)."""


@dataclass(frozen=True)
class StreamTotals:
    """Counts of a whole file checked in chunks:
    ``rows_read = rows_loaded + rows_quarantined + rows_filtered``.

    Examples
    --------
    >>> StreamTotals(10, 7, 2, 3, 1, {"type == buy": 1}).rows_loaded
    7
    """

    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    problems_total: int
    rows_filtered: int = 0
    rows_filtered_by_rule: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportReport:
    """What an import would do with one file: nothing is written until it is stored.

    Attributes
    ----------
    valid
        Rows that passed, with the contract's columns and ``source_line``.
    quarantine
        One row per problem (:data:`QUARANTINE_SCHEMA`); several problems may share a line.
    totals
        Set when the file was checked in chunks (:func:`validate_file`, :func:`import_file`):
        the counts of the whole file. ``valid`` is then empty, ``quarantine`` holds the first
        :data:`PROBLEMS_KEPT` problems and ``raw`` the first rows only.
    rows_filtered_by_rule
        Rows the mapping's row filters left out, by rule (``str(rule)``, in the mapping's
        order, 0 for a rule that removed nothing): a row counts under the first rule it fails.
    """

    file: str
    table: str
    channel: str
    mapping: ColumnMapping
    raw: RawTable
    valid: pl.DataFrame
    quarantine: pl.DataFrame
    content_hash: str
    notes: tuple[str, ...] = ()
    totals: StreamTotals | None = None
    rows_filtered_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return self.totals.rows_read if self.totals else self.raw.rows_read

    @property
    def rows_filtered(self) -> int:
        """Rows the mapping's row filters left out (neither loaded nor quarantined)."""
        if self.totals:
            return self.totals.rows_filtered
        return sum(self.rows_filtered_by_rule.values())

    @property
    def rows_loaded(self) -> int:
        return self.totals.rows_loaded if self.totals else self.valid.height

    @property
    def rows_quarantined(self) -> int:
        if self.totals:
            return self.totals.rows_quarantined
        return self.quarantine["line"].n_unique() if self.quarantine.height else 0

    @property
    def problems_total(self) -> int:
        """Problems found in the whole file (``quarantine`` may hold only the first ones)."""
        return self.totals.problems_total if self.totals else self.quarantine.height

    def masked_problems(self, n: int | None = None) -> pl.DataFrame:
        """The first ``n`` quarantine rows with personal data masked, for showing to people.

        A value is masked by the canonical column its source column is mapped to (phone,
        e-mail, names); a whole rejected row is split into its fields and each field is masked
        the same way; anything else still has phone numbers and e-mails inside it redacted.
        """
        problems = self.quarantine if n is None else self.quarantine.head(n)
        canonical = {source: column for column, source in self.mapping.columns.items()}
        by_position = [canonical.get(h, "") for h in self.raw.headers]
        delimiter = self.raw.delimiter or ","

        def mask(column: str | None, value: str | None) -> str | None:
            if value is None:
                return None
            if column is not None:
                return mask_value(canonical.get(column, column), value)
            fields = value.split(delimiter)
            return delimiter.join(
                (mask_value(by_position[i] if i < len(by_position) else "", f) or "") if f else f
                for i, f in enumerate(fields)
            )

        values = [mask(c, v) for c, v in zip(problems["column"], problems["value"], strict=True)]
        return problems.with_columns(pl.Series("value", values, dtype=pl.String()))

    def summary(self, *, mask: bool = True) -> dict[str, Any]:
        """A JSON-able summary (the CLI's ``--json`` object); PII values masked by default."""
        problems = self.masked_problems(200) if mask else self.quarantine.head(200)
        return {
            "file": self.file,
            "table": self.table,
            "channel": self.channel,
            "format": self.raw.format,
            "encoding": self.raw.encoding,
            "delimiter": self.raw.delimiter,
            "sheet": self.raw.sheet,
            "mapping": self.mapping.to_dict(),
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "rows_filtered": self.rows_filtered,
            "rows_filtered_by_rule": dict(self.rows_filtered_by_rule),
            "problems": [
                {
                    "line": r["line"],
                    "column": r["column"],
                    "value": r["value"],
                    "reason": r["reason"],
                    "reason_zh": r["reason_zh"],
                }
                for r in problems.iter_rows(named=True)
            ],
            "problems_shown": problems.height,
            "problems_total": self.problems_total,
            "notes": list(self.notes),
            "errors": [],
        }


@dataclass(frozen=True)
class ImportResult:
    """An import that went to a workspace: the report and what the workspace did with it."""

    report: ImportReport
    batch: BatchResult

    @property
    def rows_read(self) -> int:
        return self.batch.rows_read

    @property
    def rows_loaded(self) -> int:
        return self.batch.rows_loaded

    @property
    def rows_quarantined(self) -> int:
        return self.batch.rows_quarantined

    @property
    def rows_filtered(self) -> int:
        return self.batch.rows_filtered

    def summary(self) -> dict[str, Any]:
        out = self.report.summary()
        out.update(
            batch_id=self.batch.batch_id,
            rows_read=self.batch.rows_read,
            rows_loaded=self.batch.rows_loaded,
            rows_quarantined=self.batch.rows_quarantined,
            rows_filtered=self.batch.rows_filtered,
            rows_duplicate=self.batch.rows_duplicate,
            already_imported=self.batch.already_imported,
        )
        return out


# --------------------------------------------------------------------------- map


def map_columns(raw: RawTable, mapping: ColumnMapping) -> pl.DataFrame:
    """Select and rename the mapped source columns to canonical names (still raw strings).

    Every canonical column of the table is present; unmapped ones are null. A constant fills
    its column; a derived column joins its template's cells (trimmed) with the literal text,
    and is null on a row where one of them is empty (see :func:`derive_column`). ``channel``
    is present only when the mapping gives it (the rows carry their channel).

    Examples
    --------
    >>> raw = read_bytes(b"Email,ID\\nA@X.COM,7\\n", name="c.csv")
    >>> m = ColumnMapping(table="customers", columns={"source_customer_id": "ID", "email": "Email"})
    >>> map_columns(raw, m).select(LINE, "source_customer_id", "email").rows()
    [(2, '7', 'A@X.COM')]
    >>> log = read_bytes(b"user,ts\\n7,1704412800\\n8,\\n", name="log.csv")
    >>> m = ColumnMapping("orders", {"order_ts": "ts"}, constants={"amount": "1"},
    ...                   derived={"order_id": "{user}-{ts}"})
    >>> map_columns(log, m).select("order_id", "amount").rows()
    [('7-1704412800', '1'), (None, '1')]
    """
    by_header = dict(zip(raw.headers, raw.columns, strict=True))
    exprs = [pl.col(LINE)]
    columns = list(COLUMN_KINDS[mapping.table])
    if "channel" in mapping.provided():
        columns.append("channel")
    for column in columns:
        source = mapping.columns.get(column)
        if source is not None:
            exprs.append(pl.col(by_header[source]).alias(column))
        elif column in mapping.constants:
            exprs.append(pl.lit(mapping.constants[column], dtype=pl.String()).alias(column))
        elif column in mapping.derived:
            exprs.append(derive_column(mapping.derived[column], by_header).alias(column))
        else:
            exprs.append(pl.lit(None, dtype=pl.String()).alias(column))
    extra = mapping.options.line_number_from
    if extra and extra in by_header:
        exprs.append(pl.col(by_header[extra]).alias("__line_key__"))
    return raw.frame.select(exprs)


def derive_column(template: str, columns: dict[str, str] | None = None) -> pl.Expr:
    """The text of a derived column: its template's cells, trimmed, joined with the literal text.

    ``columns`` names the frame column of each header (default: the header itself). A row where
    one of the cells is empty (or a "no value" spelling such as ``N/A``) gets null, so a
    required column built from it is quarantined rather than half-built.

    Examples
    --------
    >>> frame = pl.DataFrame({"user_id": ["7", " 8", "9"], "timestamp": ["1704412800", "5", None]})
    >>> frame.select(derive_column("{user_id}-{timestamp}")).to_series().to_list()
    ['7-1704412800', '8-5', None]
    """
    columns = columns or {}
    parts = [
        p.clean_missing(pl.col(columns.get(text, text))) if is_header else pl.lit(text)
        for text, is_header in template_parts(template)
    ]
    return pl.concat_str(parts, ignore_nulls=False)


def filter_rule(rule: RowFilter, cell: pl.Expr) -> pl.Expr:
    """True on the rows ``rule`` keeps; ``cell`` is the raw cell of the rule's column.

    Cells are compared trimmed (:func:`cimlab.ingest.parsing.trim`), exactly; a missing cell is
    empty. ``not empty`` keeps the cells that hold a value after
    :func:`cimlab.ingest.parsing.clean_missing` (so ``N/A`` or ``--`` is empty).

    Examples
    --------
    >>> frame = pl.DataFrame({"b": ["buy", " buy ", "pv", None, "N/A"]})
    >>> frame.select(filter_rule(RowFilter.parse("b == buy"), pl.col("b")))["b"].to_list()
    [True, True, False, False, False]
    >>> frame.select(filter_rule(RowFilter.parse("b not in [pv]"), pl.col("b")))["b"].to_list()
    [True, True, False, True, True]
    >>> frame.select(filter_rule(RowFilter.parse("b not empty"), pl.col("b")))["b"].to_list()
    [True, True, True, False, False]
    """
    if rule.op == "not empty":
        return p.clean_missing(cell).is_not_null()
    value = p.trim(cell).fill_null("")
    if rule.op == "==":
        return value == rule.values[0]
    if rule.op == "!=":
        return value != rule.values[0]
    hit = value.is_in(list(rule.values))
    return hit if rule.op == "in" else ~hit


# --------------------------------------------------------------------------- parse


def _channel_token(raw: pl.Expr) -> pl.Expr:
    """A channel cell as a token: lower-cased, spaces and hyphens turned into ``_``."""
    return raw.str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


def _parse(kind: str, raw: pl.Expr, options: MappingOptions) -> pl.Expr:
    if kind == "datetime":
        return p.parse_datetime(
            raw,
            day_first=options.day_first,
            timezone=options.timezone,
            time_format=options.time_format,
        )
    if kind == "date":
        return p.parse_date(raw, day_first=options.day_first, time_format=options.time_format)
    if kind == "channel":
        token = _channel_token(raw)
        return pl.when(token.str.contains(_CHANNEL_TOKEN)).then(token)
    if kind == "money":
        return p.parse_money(raw)
    if kind == "number":
        return p.parse_number(raw)
    if kind == "integer":
        return p.parse_integer(raw)
    if kind == "phone":
        return p.normalize_phone(raw, default_region=options.default_region)
    if kind == "email":
        return p.normalize_email(raw)
    if kind == "id":
        return p.normalize_id(raw)
    if kind == "bool":
        return p.parse_bool(raw)
    if kind == "gender":
        return p.parse_gender(raw)
    if kind == "customer_type":
        return p.parse_customer_type(raw)
    if kind == "status":
        return p.normalize_status(raw, extra=dict(options.status_values) or None)
    if kind == "currency":
        return raw.str.to_uppercase().str.replace_all(r"^RMB$", "CNY")
    if kind == "token":
        return raw.str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
    return raw


@dataclass(frozen=True)
class _OrderFacts:
    """Whole-file facts an orders file's rows depend on: which columns carry any value."""

    status: bool
    currency: bool
    line_number: bool

    @classmethod
    def of(cls, frame: pl.DataFrame) -> _OrderFacts:
        def has(column: str) -> bool:
            return frame[column].null_count() < frame.height

        return cls(has("status"), has("currency"), has("line_number"))

    def __or__(self, other: _OrderFacts) -> _OrderFacts:
        return _OrderFacts(
            self.status or other.status,
            self.currency or other.currency,
            self.line_number or other.line_number,
        )


class _Restart(Exception):
    """A later chunk contradicts what the first ones implied: check the file again."""

    def __init__(self, *, facts: _OrderFacts | None = None, whole: bool = False) -> None:
        super().__init__("restart")
        self.facts = facts
        self.whole = whole


class _SeenKeys:
    """Keys met in earlier chunks of a file, as two independent 64-bit hashes each.

    Two hashes make a false match about one in 2**128: exact for any file. A bitmap of 2**28
    bits over the first hash answers "never seen" for almost every new key at once; the few
    others are looked up by binary search in the sorted hashes of each earlier chunk. Memory:
    32 MB plus 24 bytes a key.
    """

    _BITS = 28

    def __init__(self) -> None:
        self._segments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._bitmap = np.zeros(1 << (self._BITS - 3), dtype=np.uint8)

    @staticmethod
    def hashes(frame: pl.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        key = pl.struct(columns)
        both = frame.select(key.hash(seed=11).alias("a"), key.hash(seed=29).alias("b"))
        return both["a"].to_numpy(), both["b"].to_numpy()

    def _slots(self, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slot = first >> np.uint64(64 - self._BITS)
        return (slot >> np.uint64(3)).astype(np.int64), (slot & np.uint64(7)).astype(np.uint8)

    def lookup(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The line stored with each key met before, else -1."""
        out = np.full(len(first), -1, dtype=np.int64)
        if not self._segments or not len(first):
            return out
        byte, bit = self._slots(first)
        maybe = np.nonzero((self._bitmap[byte] >> bit) & 1)[0]
        if not len(maybe):
            return out
        want, check = first[maybe], second[maybe]
        found = np.full(len(maybe), -1, dtype=np.int64)
        for keys, checks, lines in self._segments:
            pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
            hit = keys[pos] == want
            exact = hit & (checks[pos] == check)
            better = exact & ((found < 0) | (lines[pos] < found))
            found[better] = lines[pos][better]
            for i in np.nonzero(hit & ~exact)[0]:  # the first hashes collide: walk the run
                j = int(pos[i])
                while j < len(keys) and keys[j] == want[i]:
                    if checks[j] == check[i] and (found[i] < 0 or lines[j] < found[i]):
                        found[i] = lines[j]
                    j += 1
        out[maybe] = found
        return out

    def add(self, first: np.ndarray, second: np.ndarray, lines: np.ndarray) -> None:
        if not len(first):
            return
        byte, bit = self._slots(first)
        np.bitwise_or.at(self._bitmap, byte, np.left_shift(np.uint8(1), bit))
        order = np.argsort(first)
        self._segments.append((first[order], second[order], lines[order]))


@dataclass
class _ChunkState:
    """What checking a file chunk by chunk carries from one chunk to the next."""

    facts: _OrderFacts | None = None
    chunked: bool = False
    orders: _SeenKeys = field(default_factory=_SeenKeys)
    lines: _SeenKeys = field(default_factory=_SeenKeys)

    def settle(self, seen: _OrderFacts) -> _OrderFacts:
        """The facts of the file so far; a chunk that contradicts them restarts the check."""
        if self.facts is None:
            self.facts = seen
        elif (self.facts | seen) != self.facts:
            raise _Restart(facts=self.facts | seen)
        return self.facts


def _derive_orders(
    frame: pl.DataFrame, options: MappingOptions, state: _ChunkState | None = None
) -> pl.DataFrame:
    """Order rules that come from the platform, before values are parsed.

    Whole-file rules (a status column with no value at all means every line is paid; no
    currency column means the symbols on the amounts tell it; no line numbers means lines are
    numbered within each order in file order) are decided on the whole file, also when it is
    checked in chunks (``state``).
    """
    facts = _OrderFacts.of(frame)
    if state is not None:
        facts = state.settle(facts)
    cancelled = pl.lit(False)
    if options.deleted_marker:
        marker = options.deleted_marker
        frame = frame.with_columns(
            pl.col("order_id")
            .str.contains(marker, literal=True)
            .fill_null(False)
            .alias("__deleted__"),
            pl.col("order_id").str.replace(marker, "", literal=True).str.strip_chars(),
        )
        cancelled = pl.col("__deleted__")
    if options.cancel_prefix:
        cancelled = cancelled | pl.col("order_id").str.starts_with(options.cancel_prefix).fill_null(
            False
        )
    frame = frame.with_columns(
        pl.when(cancelled)
        .then(pl.lit("cancelled"))
        .otherwise(pl.col("status") if facts.status else pl.lit("paid"))
        .alias("status")
    ).drop("__deleted__", strict=False)
    if options.amount_from_quantity_and_unit_price:
        amount = p.parse_number(p.clean_missing(pl.col("quantity"))) * p.parse_money(
            p.clean_missing(pl.col("unit_price"))
        )
        frame = frame.with_columns(amount.round(6).cast(pl.String).alias("amount"))
    if not facts.currency:
        detected = p.detect_currency(pl.col("amount"))
        if options.currency:
            detected = detected.fill_null(pl.lit(options.currency))
        frame = frame.with_columns(detected.alias("currency"))
    if not facts.line_number:
        if state is not None and state.chunked:
            _check_orders_contiguous(frame, state)
        key = [pl.col("order_id")]
        if "channel" in frame.columns:  # the rows carry their channel: number within it too
            key.insert(0, _channel_token(pl.col("channel")))
        order = pl.col("__line_key__") if "__line_key__" in frame.columns else pl.col(LINE)
        frame = frame.with_columns(
            (order.rank("ordinal").over(key)).cast(pl.String).alias("line_number")
        )
    return frame


def _check_orders_contiguous(frame: pl.DataFrame, state: _ChunkState) -> None:
    """Lines are numbered within an order: an order met in an earlier chunk needs the whole file."""
    ids = frame.select(pl.col("order_id").drop_nulls().unique())
    if ids.is_empty():
        return
    first, second = _SeenKeys.hashes(ids, ["order_id"])
    if (state.orders.lookup(first, second) >= 0).any():
        raise _Restart(whole=True)
    state.orders.add(first, second, np.zeros(len(first), dtype=np.int64))


def parse_table(
    mapped: pl.DataFrame,
    *,
    table: str,
    channel: str | None,
    options: MappingOptions | None = None,
    _state: _ChunkState | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse canonical raw strings into typed columns; unreadable values become problems.

    Returns the typed frame (``__line__`` plus the contract's columns) and a problem frame
    (:data:`REJECT_SCHEMA`). A value counts as unreadable when it is present after
    :func:`cimlab.ingest.parsing.clean_missing` and its parse is null: it is never silently dropped.

    ``channel`` is every row's channel; when ``mapped`` has a ``channel`` column (the rows carry
    their channel), it fills the empty cells of that column instead (None: no filling), and
    the cells are read as tokens (trimmed, lower-cased, spaces and hyphens as ``_``): a cell
    that is no channel name is a problem.

    Examples
    --------
    >>> m = pl.DataFrame({LINE: [2, 3], "source_customer_id": ["7", "8"], "ts": ["2024-01-05", "x"],
    ...                   "nps": ["9", "N/A"]}, schema_overrides={LINE: pl.Int64})
    >>> typed, problems = parse_table(m, table="feedback", channel="survey")
    >>> typed["nps"].to_list(), problems.select("line", "column").rows()
    ([9, None], [(3, 'ts')])
    """
    options = options or MappingOptions()
    kinds = COLUMN_KINDS[table]
    by_row = "channel" in mapped.columns
    if by_row:
        kinds = {**kinds, "channel": "channel"}
    for column in kinds:
        if column not in mapped.columns:
            mapped = mapped.with_columns(pl.lit(None, dtype=pl.String()).alias(column))
    cleaned = mapped.with_columns(p.clean_missing(pl.col(c)).alias(c) for c in kinds)
    if by_row and channel is not None:
        cleaned = cleaned.with_columns(pl.col("channel").fill_null(pl.lit(channel)))
    if table == "orders":
        cleaned = _derive_orders(cleaned, options, _state)
    # parse each column once; a value fails when it was present and its parse is null
    typed = cleaned.select(
        pl.col(LINE), *[_parse(k, pl.col(c), options).alias(c) for c, k in kinds.items()]
    )
    present = cleaned.select(pl.col(c).is_not_null().alias(c) for c in kinds)
    if table == "customers":  # 保密 / unknown is a way of saying "no value", not an error
        present = present.with_columns(
            pl.col("gender")
            & ~cleaned.select(p.is_unknown_gender(pl.col("gender")).fill_null(False)).to_series()
        )
    failed = pl.concat(
        [typed.select(LINE), present.select(pl.col(c) & typed[c].is_null() for c in kinds)],
        how="horizontal",
    )
    schema = polars_schema(table)
    derived: list[pl.Expr] = [] if by_row else [pl.lit(channel).alias("channel")]
    if "phone_is_masked" in schema:
        derived.append(p.is_masked_phone(pl.col("phone")).fill_null(False).alias("phone_is_masked"))
    if "name_is_masked" in schema:
        name_col = "name" if table == "customers" else "customer_name"
        derived.append(p.is_masked_name(pl.col(name_col)).fill_null(False).alias("name_is_masked"))
    if table == "customers":
        derived.append(pl.col("customer_type").fill_null("individual"))
    typed = typed.with_columns(derived).select(
        pl.col(LINE), *[pl.col(c).cast(dtype) for c, dtype in schema.items()]
    )
    problems = _failures_to_problems(failed, cleaned, kinds)
    if by_row and channel is None:
        missing = cleaned.filter(pl.col("channel").is_null())
        if missing.height:
            problems = pl.concat([problems, _no_channel_problems(missing)]).sort(
                "line", maintain_order=True
            )
    return typed, problems


def _no_channel_problems(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(
        pl.col(LINE).alias("line"),
        pl.lit("channel").alias("column"),
        pl.lit(None, dtype=pl.String()).alias("value"),
        pl.lit(
            "no channel: the cell is empty; fill it, or give --channel NAME (the channel box "
            "in the app) for the rows without one"
        ).alias("reason"),
        pl.lit("缺少渠道：该单元格为空；请填写，或用 --channel 指定（应用中的渠道选项）").alias(
            "reason_zh"
        ),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _failures_to_problems(
    failed: pl.DataFrame, cleaned: pl.DataFrame, kinds: dict[str, str]
) -> pl.DataFrame:
    frames = []
    for column, kind in kinds.items():
        mask = failed[column]
        if not mask.any():
            continue
        reason, reason_zh = _reason(kind)
        frames.append(
            cleaned.filter(mask).select(
                pl.col(LINE).alias("line"),
                pl.lit(column).alias("column"),
                pl.col(column).alias("value"),
                pl.lit(reason).alias("reason"),
                pl.lit(reason_zh).alias("reason_zh"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=REJECT_SCHEMA)
    return pl.concat(frames).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- validate

_CHECK_WORDS: dict[str, tuple[str, str]] = {
    "not_nullable": ("a value is required here", "此处必须有值"),
    "finite": (
        "must be a real number (not NaN or infinity)",
        "必须是有效数字（不能是 NaN 或无穷大）",
    ),
    "negative_amount_needs_refund_or_cancel": (
        "negative amount on a line that is not refunded or cancelled; mark the line refunded or fix the amount",
        "金额为负，但订单行未标记为退款或取消；请标记退款或更正金额",
    ),
    "has_an_answer": (
        "feedback has no score, complaint flag or text",
        "反馈没有评分、投诉标记或内容",
    ),
}


def _check_reason(check: str, column: str | None) -> tuple[str, str]:
    name = check.split("(")[0]
    if name in _CHECK_WORDS:
        return _CHECK_WORDS[name]
    if name == "isin":
        return (f"not an allowed value: {check[5:-1]}", f"不是允许的取值：{check[5:-1]}")
    if name in {"greater_than_or_equal_to", "less_than_or_equal_to", "in_range"}:
        bound = check[check.index("(") + 1 : -1]
        word = {"greater_than_or_equal_to": ">=", "less_than_or_equal_to": "<="}.get(name, "in")
        return (f"out of range: must be {word} {bound}", f"超出范围：应当 {word} {bound}")
    if name == "str_matches":
        return ("not in the expected format", "格式不正确")
    if name == "str_length":
        return ("must not be empty", "不能为空")
    return (f"failed check {check}", f"未通过检查 {check}")


def validate_table(typed: pl.DataFrame, *, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate typed rows against the table's contract (Pandera, lazy, on a collected frame).

    Returns the valid rows (``__line__`` plus contract columns) and one problem row per failed
    cell (:data:`REJECT_SCHEMA`).

    Examples
    --------
    >>> m = pl.DataFrame({LINE: [2, 3], "source_customer_id": ["7", "8"],
    ...                   "ts": ["2024-01-05", "2024-01-06"], "nps": ["9", "11"]},
    ...                  schema_overrides={LINE: pl.Int64})
    >>> typed, _ = parse_table(m, table="feedback", channel="survey")
    >>> valid, problems = validate_table(typed, table="feedback")
    >>> valid[LINE].to_list(), problems.select("line", "column", "value").rows()
    ([2], [(3, 'nps', '11')])
    """
    model = contract(table)
    body = typed.drop(LINE)
    try:
        model.validate(body, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        summary = str(exc)[:500]
    else:
        return typed, pl.DataFrame(schema=REJECT_SCHEMA)
    cases = cases.filter(pl.col("index").is_not_null())
    if cases.is_empty():  # schema-level failure with no row to blame: a bug, not user data
        raise CimlabError(f"typed {table} frame does not match its contract: {summary}")
    lines = typed[LINE]
    rows = []
    for case in cases.iter_rows(named=True):
        column = case["column"] if case["schema_context"] == "Column" else None
        reason, reason_zh = _check_reason(str(case["check"]), column)
        value = case["failure_case"] if column else None
        rows.append((int(lines[int(case["index"])]), column, value, reason, reason_zh))
    problems = pl.DataFrame(rows, schema=REJECT_SCHEMA, orient="row")
    bad = problems["line"].unique()
    return typed.filter(~pl.col(LINE).is_in(bad.implode())), problems


# --------------------------------------------------------------------------- whole file


def _duplicate_order_lines(
    valid: pl.DataFrame, seen: _SeenKeys | None = None, *, by_channel: bool = False
) -> pl.DataFrame:
    """Order lines repeated in the file: every occurrence after the first valid one.

    ``seen`` holds the lines kept from earlier chunks of the same file; it is updated. With
    ``by_channel`` (the rows carry their channel) a line is (channel, order id, line number).
    """
    keys = ["channel", "order_id", "line_number"] if by_channel else ["order_id", "line_number"]
    frames = []
    if seen is None:
        dup = valid.filter(pl.struct(keys).is_duplicated())
        if dup.height:
            first_line = dup.group_by(keys).agg(pl.col(LINE).min().alias("first"))
            frames.append(dup.join(first_line, on=keys).filter(pl.col(LINE) != pl.col("first")))
    elif valid.height:
        first, second = _SeenKeys.hashes(valid, keys)
        earlier = seen.lookup(first, second)
        marked = valid.select(LINE, *keys).with_columns(
            pl.Series("_a", first), pl.Series("_b", second), pl.Series("first", earlier)
        )
        again = marked.filter(pl.col("first") >= 0)
        if again.height:
            frames.append(again)
        rest = marked.filter(pl.col("first") < 0)
        pair = pl.struct("_a", "_b")
        dup = rest.filter(pair.is_duplicated())
        if dup.height:
            first_line = dup.group_by("_a", "_b").agg(pl.col(LINE).min().alias("_first"))
            frames.append(
                dup.join(first_line, on=["_a", "_b"])
                .filter(pl.col(LINE) != pl.col("_first"))
                .with_columns(pl.col("_first").alias("first"))
            )
        kept = rest.filter(pair.is_first_distinct()) if dup.height else rest
        seen.add(kept["_a"].to_numpy(), kept["_b"].to_numpy(), kept[LINE].to_numpy())
    if not frames:
        return pl.DataFrame(schema=REJECT_SCHEMA)
    return (
        pl.concat([f.select(LINE, *keys, pl.col("first").cast(pl.Int64)) for f in frames])
        .select(
            pl.col(LINE).alias("line"),
            pl.lit("order_id").alias("column"),
            (pl.col("order_id") + " / line " + pl.col("line_number").cast(pl.String)).alias(
                "value"
            ),
            pl.format(
                "the same order line appears earlier in this file, at line {}", "first"
            ).alias("reason"),
            pl.format("同一订单行已在本文件第 {} 行出现", "first").alias("reason_zh"),
        )
        .sort("line")
        .cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    )


def _row_json(raw: RawTable, lines: pl.Series) -> pl.DataFrame:
    """Original rows (as the file wrote them) of the quarantined lines, as JSON text."""
    rows = raw.frame.filter(pl.col(LINE).is_in(lines.implode()))
    headers = raw.headers
    if len(set(headers)) != len(headers):
        headers = tuple(raw.columns)
    rename = dict(zip(raw.columns, headers, strict=True))
    return rows.select(
        pl.col(LINE).alias("line"),
        pl.struct([pl.col(c).alias(rename[c]) for c in raw.columns])
        .struct.json_encode()
        .alias("row_json"),
    )


def _amounts_carry_currency(mapped: pl.DataFrame, mapping: ColumnMapping) -> bool:
    given = mapping.provided()
    column = "amount" if "amount" in given else "unit_price" if "unit_price" in given else None
    if column is None or not mapped.height:
        return False
    return bool(mapped.select(p.detect_currency(pl.col(column)).is_not_null().any()).item())


def _check_constants(mapping: ColumnMapping) -> None:
    """Refuse a constant that no row could read (it would quarantine every row)."""
    for column, value in mapping.constants.items():
        kind = "channel" if column == "channel" else COLUMN_KINDS[mapping.table][column]
        if kind == _TEXT:
            continue
        cell = p.clean_missing(pl.lit(value, dtype=pl.String()))
        parsed = pl.select(_parse(kind, cell, mapping.options)).item()
        if (
            kind == "currency"
            and parsed is not None
            and not (len(parsed) == 3 and parsed.isascii() and parsed.isalpha())
        ):
            parsed = None
        if parsed is None:
            raise MappingError(
                f"constants: {column}={value!r} cannot be read: {_reason(kind)[0]}. "
                "Fix the constant in the mapping."
            )


def _broken_cell(table: str, column: str, cell: pl.Expr, options: MappingOptions) -> pl.Expr | None:
    """True where the raw ``cell`` of canonical ``column`` is present but unreadable (None for
    a text column, which reads anything)."""
    kind = "channel" if column == "channel" else COLUMN_KINDS[table][column]
    if kind == _TEXT:
        return None
    present = p.clean_missing(cell)
    broken = present.is_not_null() & _parse(kind, present, options).is_null()
    if kind == "gender":  # 保密 / unknown is a way of saying "no value"
        broken = broken & ~p.is_unknown_gender(present).fill_null(False)
    return broken


class _Checker:
    """Maps, parses and validates the chunks of one file with the whole file's rules.

    The mapping, table and channel are settled on the first chunk; line numbers, repeated
    order lines and the currency source are followed across chunks (:class:`_ChunkState`).

    Row filters run first, on the raw cells: a filtered row is never parsed, except the cells
    of the filter's own column when that column is also mapped: a row whose cell there cannot
    be read is checked in full and quarantined, not filtered (a filter never hides a broken
    row). When the mapping gives the ``channel`` column, each row carries its channel and the
    file's channel (:attr:`channel`, the batch's) is its distinct channels joined by ``+``.
    """

    def __init__(
        self,
        first: RawTable,
        *,
        table: str | None,
        channel: str | None,
        mapping: str | Path | dict[str, Any] | ColumnMapping | None,
        currency: str | None,
        content_hash: str,
        facts: _OrderFacts | None = None,
        chunked: bool = False,
    ) -> None:
        spec: str | Path | dict[str, Any] | ColumnMapping | Preset | None = mapping
        if table is None and not isinstance(spec, ColumnMapping | dict):
            if isinstance(spec, str) and not Path(spec).suffix:  # a preset name
                named = load_preset(spec)
                if len(named.tables) == 1:
                    table = next(iter(named.tables))
                else:
                    _, table, _ = detect_preset(list(first.headers))
            elif spec is None:
                spec, table, _ = detect_preset(list(first.headers))
            if table is None and spec is not None and not isinstance(spec, Preset):
                table = None  # a mapping file names its table; resolve_mapping reads it
            elif table is None:
                raise MappingError(
                    f"{first.file}: cannot tell which table this file is for; give --table "
                    f"({', '.join(TABLES)})"
                )
        if table is not None and table not in TABLES:
            raise MappingError(f"table={table!r} is not one of {', '.join(TABLES)}.")
        resolved = resolve_mapping(spec, list(first.headers), table=table or "", file=first.file)
        if currency:
            resolved = replace(
                resolved, options=replace(resolved.options, currency=currency.upper())
            )
        _check_constants(resolved)
        self.channel_by_row = "channel" in resolved.provided()
        self.default_channel = channel or resolved.channel
        if not self.default_channel and not self.channel_by_row:
            raise MappingError(
                f"{first.file}: which channel is this file from? Give --channel NAME (e.g. "
                "tmall, wechat, online_shop, offline_store), or map a channel column when the "
                "rows carry their channel (`columns: {channel: <header>}` in --mapping "
                "FILE.yaml, or the channel column in the app's Import page)"
            )
        self.file = first.file
        self.table = resolved.table
        self.mapping = resolved
        self.content_hash = content_hash
        self.state = _ChunkState(facts=facts, chunked=chunked)
        self._needs_currency = (
            self.table == "orders"
            and "currency" not in resolved.provided()
            and not resolved.options.currency
        )
        self._rows = 0
        self._currency_seen = False
        self._channels: set[str] = set()
        self._rules = [str(rule) for rule in resolved.filters]

    @property
    def channel(self) -> str:
        """The file's channel: the given one, or (rows carrying their channel) the distinct
        channels of the rows kept so far, sorted and joined by ``+`` (``jd+tmall``)."""
        if not self.channel_by_row:
            assert self.default_channel is not None
            return self.default_channel
        if self._channels:
            return "+".join(sorted(self._channels))
        return self.default_channel or _CHANNELS_UNKNOWN

    def _filter(self, raw: RawTable) -> tuple[RawTable, dict[str, int], pl.DataFrame | None]:
        """The rows of ``raw`` the filters keep (with the broken ones they would drop), how many
        each rule left out (a row counts under the first rule it fails), and the broken rows
        kept (``__line__`` and the index of their rule; None when there is none)."""
        counts = dict.fromkeys(self._rules, 0)
        rules = self.mapping.filters
        if not rules or not raw.frame.height:
            return raw, counts, None
        by_header = dict(zip(raw.headers, raw.columns, strict=True))
        first_failed = pl.coalesce(
            pl.when(~filter_rule(rule, pl.col(by_header[rule.column]))).then(pl.lit(i))
            for i, rule in enumerate(rules)
        )
        marked = raw.frame.with_columns(first_failed.alias("__filtered_by__"))
        dropped = marked.filter(pl.col("__filtered_by__").is_not_null())
        keep = pl.col("__filtered_by__").is_null()
        checks = [
            check
            for header in dict.fromkeys(rule.column for rule in rules)
            for column, source in self.mapping.columns.items()
            if source == header
            and (
                check := _broken_cell(
                    self.table, column, pl.col(by_header[header]), self.mapping.options
                )
            )
            is not None
        ]
        rescued = None
        if dropped.height and checks:
            broken = dropped.select(pl.any_horizontal(checks).fill_null(False)).to_series()
            if broken.any():
                rescued = dropped.filter(broken).select(LINE, "__filtered_by__")
                keep = keep | pl.col(LINE).is_in(rescued[LINE].implode())
                dropped = dropped.filter(~broken)
        self._count(counts, dropped)
        kept = marked.filter(keep).drop("__filtered_by__")
        return replace(raw, frame=kept), counts, rescued

    def _count(self, counts: dict[str, int], dropped: pl.DataFrame) -> None:
        for index, rows in dropped.group_by("__filtered_by__").len().iter_rows():
            counts[self._rules[index]] += rows

    def check(self, raw: RawTable) -> ImportReport:
        """The report of one chunk (or of a whole file read in one piece)."""
        table, resolved = self.table, self.mapping
        kept, filtered, rescued = self._filter(raw)
        mapped = map_columns(kept, resolved)
        if self._needs_currency:
            self._rows += mapped.height
            if not self._currency_seen and _amounts_carry_currency(mapped, resolved):
                self._currency_seen = True
            if not self.state.chunked:
                self.finish()  # one piece: refuse before parsing, as early as possible
        typed, parse_problems = parse_table(
            mapped,
            table=table,
            channel=self.default_channel,
            options=resolved.options,
            _state=self.state,
        )
        if self.channel_by_row:
            self._channels.update(typed["channel"].drop_nulls().unique().to_list())
        valid, check_problems = validate_table(typed, table=table)
        problems = [raw.rejected, parse_problems, check_problems]
        # a cell that failed parsing is null; its "required" failure would repeat the same problem
        if check_problems.height and parse_problems.height:
            problems[2] = check_problems.join(
                parse_problems.select("line", "column"), on=["line", "column"], how="anti"
            )
        if parse_problems.height:
            valid = valid.filter(~pl.col(LINE).is_in(parse_problems["line"].implode()))
        if rescued is not None:  # kept to be quarantined; a row the rules remove never loads
            passed = rescued.filter(pl.col(LINE).is_in(valid[LINE].implode()))
            if passed.height:
                self._count(filtered, passed)
                valid = valid.filter(~pl.col(LINE).is_in(passed[LINE].implode()))
        if table == "orders":
            dup = _duplicate_order_lines(
                valid,
                self.state.lines if self.state.chunked else None,
                by_channel=self.channel_by_row,
            )
            if dup.height:
                valid = valid.filter(~pl.col(LINE).is_in(dup["line"].implode()))
                problems.append(dup)
        quarantine = pl.concat(problems).sort("line", maintain_order=True)
        source_of = dict(resolved.columns)
        quarantine = quarantine.with_columns(
            pl.col("column").replace_strict(
                source_of, default=pl.col("column"), return_dtype=pl.String
            )
        )
        quarantine = quarantine.join(_row_json(kept, quarantine["line"]), on="line", how="left")
        quarantine = quarantine.select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]
        valid = valid.rename({LINE: "source_line"}).select(*polars_schema(table), "source_line")
        report = ImportReport(
            file=raw.file,
            table=table,
            channel=self.channel,
            mapping=resolved,
            raw=raw,
            valid=valid,
            quarantine=quarantine,
            content_hash=self.content_hash,
            notes=raw.notes,
            rows_filtered_by_rule=filtered,
        )
        accounted = report.rows_loaded + report.rows_quarantined + report.rows_filtered
        if report.rows_read != accounted:
            raise CimlabError(
                f"{raw.file}: {report.rows_read} rows read but {report.rows_loaded} loaded + "
                f"{report.rows_quarantined} quarantined + {report.rows_filtered} filtered; "
                "this is a bug in cimlab"
            )
        return report

    def finish(self) -> None:
        """Whole-file checks that need every chunk: the amounts must carry a currency."""
        if self._needs_currency and self._rows and not self._currency_seen:
            raise MappingError(
                f"{self.file}: the amounts carry no currency: the file has no currency column "
                "and no amount has a symbol such as ¥ or $. Give one (--currency CNY, the "
                "currency box in the app, or `options: {currency: CNY}` in a mapping file) or add "
                "a currency column.",
                code="no_currency",
            )


def check_raw(
    raw: RawTable,
    *,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    content_hash: str = "",
    currency: str | None = None,
) -> ImportReport:
    """Map, parse and validate an already-read file; write nothing. See :func:`check_file`."""
    checker = _Checker(
        raw,
        table=table,
        channel=channel,
        mapping=mapping,
        currency=currency,
        content_hash=content_hash,
    )
    report = checker.check(raw)
    checker.finish()
    return report


def check_file(
    path: str | Path,
    *,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    sheet: str | None = None,
    currency: str | None = None,
) -> ImportReport:
    """Read, map, parse and validate one file; report what an import would do, write nothing.

    Parameters
    ----------
    path
        CSV/TSV (UTF-8, GBK, GB18030, UTF-16 with BOM), XLSX, JSON/NDJSON or Parquet; ``.gz`` too.
    table
        ``customers``, ``orders``, ``interactions`` or ``feedback``; guessed from the headers if None.
    channel
        Where the data comes from (``tmall``, ``wechat``...); a platform preset suggests one.
    mapping
        A preset name, a YAML mapping file, a dict or a :class:`ColumnMapping`; suggested if None.
    sheet
        Worksheet of a workbook (default: the first visible one).
    currency
        ISO code for order amounts when the file has no currency column (overrides the preset).
    """
    path = Path(path)
    raw = read_file(path, sheet=sheet)
    return check_raw(
        raw,
        table=table,
        channel=channel,
        mapping=mapping,
        content_hash=file_hash(path),
        currency=currency,
    )


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes (the same file imported twice is recognised by it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_bytes(
    data: bytes,
    *,
    name: str,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    sheet: str | None = None,
    currency: str | None = None,
) -> ImportReport:
    """:func:`check_file` for bytes in memory (an upload in the app)."""
    raw = read_bytes(data, name=name, sheet=sheet)
    return check_raw(
        raw,
        table=table,
        channel=channel,
        mapping=mapping,
        content_hash=hashlib.sha256(data).hexdigest(),
        currency=currency,
    )


def store_report(
    workspace: Workspace,
    report: ImportReport,
    *,
    at: dt.datetime | None = None,
    user: str | None = None,
    on_before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Store a checked report in ``workspace`` as one transaction (one batch)."""
    batch = workspace.import_batch(
        table=report.table,
        channel=report.channel,
        file_name=report.file,
        content_hash=report.content_hash,
        encoding=report.raw.encoding,
        format=report.raw.format,
        mapping=report.mapping.to_dict(),
        rows_read=report.rows_read,
        rows_filtered=report.rows_filtered,
        valid=report.valid,
        quarantine=report.quarantine,
        imported_at=at or dt.datetime.now(dt.UTC),
        user_name=user if user is not None else _user(),
        on_before_commit=on_before_commit,
    )
    return ImportResult(report=report, batch=batch)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def import_file(
    workspace: Workspace | Callable[[], Workspace],
    path: str | Path,
    *,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    sheet: str | None = None,
    user: str | None = None,
    currency: str | None = None,
    limits: ReadLimits | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Check one file and store it in ``workspace`` as one transaction; a failure changes nothing.

    The file is read, checked and stored in chunks (``chunk_bytes`` of text, or ``chunk_rows``
    records) inside that one transaction, so memory stays flat however large the file; the
    result is the same as checking it whole (:func:`check_file`) and storing that report. The
    report keeps the counts and the first :data:`PROBLEMS_KEPT` problems; the workspace keeps
    every quarantined row. ``workspace`` may be a function that opens it: it is called once the
    first chunk has been checked (so a file that cannot be read creates no workspace).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from cimlab.workspace import Workspace
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = folder / "orders.csv"
    >>> _ = path.write_text("order_id,order_date,amount,currency\\n"
    ...     + "".join(f"A{i},2024-01-05,{i},CNY\\n" for i in range(1, 7)) + "A7,2024-02-30,1,CNY\\n")
    >>> result = import_file(Workspace.open(folder / "ws"), path, table="orders",
    ...                      channel="shop", mapping="generic_en", chunk_bytes=40)
    >>> result.rows_loaded, result.rows_quarantined, result.report.quarantine["line"].to_list()
    (6, 1, [8])
    """
    path = Path(path)
    outcome = _check_in_chunks(
        _file_chunks(
            path, sheet=sheet, limits=limits, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows
        ),
        table=table,
        channel=channel,
        mapping=mapping,
        currency=currency,
        content_hash=file_hash(path) if path.is_file() else "",
        workspace=workspace,
        user=user,
        on_before_commit=on_before_commit,
    )
    assert isinstance(outcome, ImportResult)
    return outcome


def validate_file(
    path: str | Path,
    *,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    sheet: str | None = None,
    currency: str | None = None,
    limits: ReadLimits | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> ImportReport:
    """:func:`check_file` in chunks, for files of any size: counts and the first problems.

    The report's ``totals`` hold the counts of the whole file, ``quarantine`` the first
    :data:`PROBLEMS_KEPT` problems and ``valid`` nothing (``cimlab validate`` uses this).

    Examples
    --------
    >>> raw = b"order_id,line,order_date,amount,currency\\n" + b"A1,1,2024-01-05,9,CNY\\n" * 3
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "o.csv"
    >>> _ = path.write_bytes(raw)
    >>> report = validate_file(path, table="orders", channel="shop", chunk_bytes=30)
    >>> report.rows_read, report.rows_loaded, report.quarantine["line"].to_list()
    (3, 1, [3, 4])
    >>> report.quarantine["reason"][0]
    'the same order line appears earlier in this file, at line 2'

    """
    path = Path(path)
    outcome = _check_in_chunks(
        _file_chunks(
            path, sheet=sheet, limits=limits, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows
        ),
        table=table,
        channel=channel,
        mapping=mapping,
        currency=currency,
        content_hash=file_hash(path) if path.is_file() else "",
    )
    assert isinstance(outcome, ImportReport)
    return outcome


_WHOLE = 1 << 62  # a chunk size no file reaches: read it in one piece


def _file_chunks(
    path: Path, *, sheet: str | None, limits: ReadLimits | None, chunk_bytes: int, chunk_rows: int
) -> Callable[[bool], Iterator[RawTable]]:
    """Open the chunks of ``path``, or (``whole=True``) the file as one chunk."""

    def open_chunks(whole: bool) -> Iterator[RawTable]:
        return iter_file_chunks(
            path,
            sheet=sheet,
            limits=limits,
            chunk_bytes=_WHOLE if whole else chunk_bytes,
            chunk_rows=_WHOLE if whole else chunk_rows,
        )

    return open_chunks


def _check_in_chunks(
    open_chunks: Callable[[bool], Iterator[RawTable]],
    *,
    table: str | None,
    channel: str | None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None,
    currency: str | None,
    content_hash: str,
    workspace: Workspace | Callable[[], Workspace] | None = None,
    user: str | None = None,
    on_before_commit: Callable[[], None] | None = None,
) -> ImportReport | ImportResult:
    """Check (and store) a file chunk by chunk; start again when a chunk contradicts the first.

    A restart happens when a later chunk shows a whole-file fact the first ones hid (a status
    or currency column empty until then), or when the lines of one order are far apart in a
    file without line numbers (then the file is read in one piece). Nothing stored by the
    abandoned attempt survives: it was one transaction.
    """
    facts: _OrderFacts | None = None
    whole = False
    while True:
        try:
            return _check_chunks_once(
                open_chunks(whole),
                table=table,
                channel=channel,
                mapping=mapping,
                currency=currency,
                content_hash=content_hash,
                facts=facts,
                chunked=not whole,
                workspace=workspace,
                user=user,
                on_before_commit=on_before_commit,
            )
        except _Restart as restart:
            facts = restart.facts or facts
            whole = whole or restart.whole


def _check_chunks_once(
    chunks: Iterator[RawTable],
    *,
    table: str | None,
    channel: str | None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None,
    currency: str | None,
    content_hash: str,
    facts: _OrderFacts | None,
    chunked: bool,
    workspace: Workspace | Callable[[], Workspace] | None,
    user: str | None,
    on_before_commit: Callable[[], None] | None,
) -> ImportReport | ImportResult:
    with contextlib.closing(chunks):  # type: ignore[type-var]
        first = next(chunks)
        checker = _Checker(
            first,
            table=table,
            channel=channel,
            mapping=mapping,
            currency=currency,
            content_hash=content_hash,
            facts=facts,
            chunked=chunked,
        )
        stream: Iterator[RawTable] = itertools.chain([first], chunks)
        order_source = checker.mapping.columns.get("order_id")
        if chunked and checker.table == "orders" and order_source is not None:
            column = dict(zip(first.headers, first.columns, strict=True))[order_source]
            stream = _carry_last_order(stream, column)
        preview = replace(first, frame=first.frame.head(20))
        if workspace is None:
            totals, problems = _consume(stream, checker, None)
            checker.finish()
            return _stream_report(checker, preview, totals, problems)
        target = workspace() if callable(workspace) else workspace
        # rows carrying their channel: the batch's channel is known once every row is read
        with target.batch_writer(
            table=checker.table,
            channel=None if checker.channel_by_row else checker.channel,
            content_hash=content_hash,
            file_name=checker.file,
        ) as writer:
            if writer.prior is not None:  # its counts are the earlier batch's, not by rule
                report = replace(checker.check(first), rows_filtered_by_rule={})
                return ImportResult(report=report, batch=writer.prior)
            totals, problems = _consume(stream, checker, writer.add)
            checker.finish()
            report = _stream_report(checker, preview, totals, problems)
            batch = writer.finish(
                rows_read=totals.rows_read,
                rows_filtered=totals.rows_filtered,
                channel=checker.channel if checker.channel_by_row else None,
                file_name=report.file,
                encoding=first.encoding,
                format=first.format,
                mapping=checker.mapping.to_dict(),
                imported_at=dt.datetime.now(dt.UTC),
                user_name=user if user is not None else _user(),
                on_before_commit=on_before_commit,
            )
        return ImportResult(report=report, batch=batch)


def _consume(
    stream: Iterator[RawTable],
    checker: _Checker,
    add: Callable[[pl.DataFrame, pl.DataFrame], None] | None,
) -> tuple[StreamTotals, pl.DataFrame]:
    """Check every chunk (storing it with ``add``); keep the counts and the first problems."""
    read = loaded = quarantined = found = 0
    by_rule = {str(rule): 0 for rule in checker.mapping.filters}
    kept: list[pl.DataFrame] = []
    for raw in stream:
        report = checker.check(raw)
        if add is not None:
            add(report.valid, report.quarantine)
        read += report.rows_read
        loaded += report.rows_loaded
        quarantined += report.rows_quarantined
        for rule, rows in report.rows_filtered_by_rule.items():
            by_rule[rule] += rows
        room = PROBLEMS_KEPT - sum(k.height for k in kept)
        if room > 0 and report.quarantine.height:
            kept.append(report.quarantine.head(room))
        found += report.quarantine.height
    problems = (
        pl.concat(kept).sort("line", maintain_order=True)
        if kept
        else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    )
    filtered = sum(by_rule.values())
    return StreamTotals(read, loaded, quarantined, found, filtered, by_rule), problems


def _stream_report(
    checker: _Checker, preview: RawTable, totals: StreamTotals, problems: pl.DataFrame
) -> ImportReport:
    return ImportReport(
        file=checker.file,
        table=checker.table,
        channel=checker.channel,
        mapping=checker.mapping,
        raw=preview,
        valid=pl.DataFrame(schema={**polars_schema(checker.table), "source_line": pl.Int64()}),
        quarantine=problems,
        content_hash=checker.content_hash,
        notes=preview.notes,
        totals=totals,
        rows_filtered_by_rule=dict(totals.rows_filtered_by_rule),
    )


def _carry_last_order(stream: Iterator[RawTable], column: str) -> Iterator[RawTable]:
    """Move the trailing rows of each chunk's last order to the next chunk.

    Exports list the lines of an order together; this keeps an order from being cut in two by
    a chunk boundary, so lines numbered within their order get the same numbers as in one piece.
    """
    held: RawTable | None = None
    for raw in stream:
        if held is not None:
            ids = held.frame[column]
            last = ids[-1] if ids.len() else None
            if last is not None:
                others = (ids.reverse() != last).fill_null(True).arg_true()
                run = int(others[0]) if others.len() else ids.len()
                if run < ids.len():
                    raw = replace(raw, frame=pl.concat([held.frame.tail(run), raw.frame]))
                    held = replace(held, frame=held.frame.head(ids.len() - run))
            yield held
        held = raw
    if held is not None:
        yield held


def import_files(
    workspace: Workspace,
    paths: Iterable[str | Path],
    *,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    sheet: str | None = None,
    user: str | None = None,
) -> list[ImportResult]:
    """Import several files, each in its own transaction, in the given order."""
    return [
        import_file(
            workspace, path, table=table, channel=channel, mapping=mapping, sheet=sheet, user=user
        )
        for path in paths
    ]


def quarantine_csv(quarantine: pl.DataFrame, *, mask: bool = False, lang: str = "en") -> bytes:
    """Quarantined rows as UTF-8 CSV (with BOM, so Excel shows Chinese): one row per line.

    Columns: ``line``, ``problems`` (every reason of that line), then the row's original columns,
    ready to be fixed and imported again. With ``lang="zh"`` the reasons are the Chinese ones
    and the first two columns are ``行号`` and ``问题``. Written by
    :func:`cimlab.export.table_bytes`: cells and headers a spreadsheet would run as formulas
    are escaped.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r} should be 'en' or 'zh'")
    zh = lang == "zh"
    line_col, problems_col = ("行号", "问题") if zh else ("line", "problems")
    if quarantine.is_empty():
        return table_bytes(
            pl.DataFrame(schema={line_col: pl.String, problems_col: pl.String}), "csv"
        )
    reason = pl.coalesce("reason_zh", "reason") if zh else pl.col("reason")
    grouped = (
        quarantine.with_columns(
            pl.when(pl.col("column").is_not_null())
            .then(pl.col("column") + ("：" if zh else ": ") + reason)
            .otherwise(reason)
            .alias("problem")
        )
        .group_by("line", maintain_order=True)
        .agg(
            pl.col("problem").str.join("；" if zh else "; ").alias("problems"),
            pl.col("row_json").first(),
        )
        .sort("line")
    )
    records = []
    for row in grouped.iter_rows(named=True):
        original = json.loads(row["row_json"]) if row["row_json"] else {}
        if mask:
            original = {k: mask_value(k, v) for k, v in original.items()}
        records.append({line_col: str(row["line"]), problems_col: row["problems"], **original})
    columns: list[str] = []
    for rec in records:
        columns.extend(k for k in rec if k not in columns)
    frame = pl.DataFrame(
        {c: [None if rec.get(c) is None else str(rec[c]) for rec in records] for c in columns},
        schema=dict.fromkeys(columns, pl.String()),
    )
    return table_bytes(frame, "csv")
