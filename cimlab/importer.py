"""The import pipeline: read → map → parse → validate → store, one function per step.

Each step is usable alone from a notebook; :func:`check_file` runs the first four and returns an
:class:`ImportReport` without writing anything, :func:`import_file` stores a report in a workspace
as one transaction. Every import obeys ``rows_read = rows_loaded + rows_quarantined``.

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

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandera.errors
import polars as pl

from cimlab import parsing as p
from cimlab.errors import CimlabError, MappingError
from cimlab.export import escape_formulas
from cimlab.mapping import (
    ColumnMapping,
    MappingOptions,
    Preset,
    detect_preset,
    load_preset,
    resolve_mapping,
)
from cimlab.privacy import mask_value
from cimlab.reading import LINE, REJECT_SCHEMA, RawTable, read_bytes, read_file
from cimlab.schemas import TABLES, contract, polars_schema

if TYPE_CHECKING:
    from cimlab.workspace import BatchResult, Workspace

__all__ = [
    "COLUMN_KINDS",
    "QUARANTINE_SCHEMA",
    "ImportReport",
    "ImportResult",
    "check_file",
    "check_raw",
    "import_file",
    "import_files",
    "map_columns",
    "parse_table",
    "quarantine_csv",
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
}


def _reason(kind: str) -> tuple[str, str]:
    return _EXTRA_REASONS.get(kind) or p.FAILURE_REASONS[kind]


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class ImportReport:
    """What an import would do with one file: nothing is written until it is stored.

    Attributes
    ----------
    valid
        Rows that passed, with the contract's columns and ``source_line``.
    quarantine
        One row per problem (:data:`QUARANTINE_SCHEMA`); several problems may share a line.
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

    @property
    def rows_read(self) -> int:
        return self.raw.rows_read

    @property
    def rows_loaded(self) -> int:
        return self.valid.height

    @property
    def rows_quarantined(self) -> int:
        return self.quarantine["line"].n_unique() if self.quarantine.height else 0

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
            "problems_total": self.quarantine.height,
            "notes": list(self.notes),
            "errors": [],
        }


@dataclass(frozen=True)
class ImportResult:
    """An import that went to a workspace: the report and what the workspace did with it."""

    report: ImportReport
    batch: BatchResult

    @property
    def rows_loaded(self) -> int:
        return self.batch.rows_loaded

    @property
    def rows_quarantined(self) -> int:
        return self.batch.rows_quarantined

    def summary(self) -> dict[str, Any]:
        out = self.report.summary()
        out.update(
            batch_id=self.batch.batch_id,
            rows_loaded=self.batch.rows_loaded,
            rows_quarantined=self.batch.rows_quarantined,
            rows_duplicate=self.batch.rows_duplicate,
            already_imported=self.batch.already_imported,
        )
        return out


# --------------------------------------------------------------------------- map


def map_columns(raw: RawTable, mapping: ColumnMapping) -> pl.DataFrame:
    """Select and rename the mapped source columns to canonical names (still raw strings).

    Every canonical column of the table is present; unmapped ones are null.

    Examples
    --------
    >>> raw = read_bytes(b"Email,ID\\nA@X.COM,7\\n", name="c.csv")
    >>> m = ColumnMapping(table="customers", columns={"source_customer_id": "ID", "email": "Email"})
    >>> map_columns(raw, m).select(LINE, "source_customer_id", "email").rows()
    [(2, '7', 'A@X.COM')]
    """
    by_header = dict(zip(raw.headers, raw.columns, strict=True))
    exprs = [pl.col(LINE)]
    for column in COLUMN_KINDS[mapping.table]:
        source = mapping.columns.get(column)
        if source is None:
            exprs.append(pl.lit(None, dtype=pl.String()).alias(column))
        else:
            exprs.append(pl.col(by_header[source]).alias(column))
    extra = mapping.options.line_number_from
    if extra and extra in by_header:
        exprs.append(pl.col(by_header[extra]).alias("__line_key__"))
    return raw.frame.select(exprs)


# --------------------------------------------------------------------------- parse


def _parse(kind: str, raw: pl.Expr, options: MappingOptions) -> pl.Expr:
    if kind == "datetime":
        return p.parse_datetime(raw, day_first=options.day_first, timezone=options.timezone)
    if kind == "date":
        return p.parse_date(raw, day_first=options.day_first)
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


def _derive_orders(frame: pl.DataFrame, options: MappingOptions) -> pl.DataFrame:
    """Order rules that come from the platform, before values are parsed."""
    status_from_source = frame["status"].null_count() < frame.height
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
        .otherwise(pl.col("status") if status_from_source else pl.lit("paid"))
        .alias("status")
    ).drop("__deleted__", strict=False)
    if options.amount_from_quantity_and_unit_price:
        amount = p.parse_number(p.clean_missing(pl.col("quantity"))) * p.parse_money(
            p.clean_missing(pl.col("unit_price"))
        )
        frame = frame.with_columns(amount.round(6).cast(pl.String).alias("amount"))
    if frame["currency"].null_count() == frame.height:
        detected = p.detect_currency(pl.col("amount"))
        if options.currency:
            detected = detected.fill_null(pl.lit(options.currency))
        frame = frame.with_columns(detected.alias("currency"))
    if frame["line_number"].null_count() == frame.height:
        key = [pl.col("order_id")]
        order = pl.col("__line_key__") if "__line_key__" in frame.columns else pl.col(LINE)
        frame = frame.with_columns(
            (order.rank("ordinal").over(key)).cast(pl.String).alias("line_number")
        )
    return frame


def parse_table(
    mapped: pl.DataFrame, *, table: str, channel: str, options: MappingOptions | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse canonical raw strings into typed columns; unreadable values become problems.

    Returns the typed frame (``__line__`` plus the contract's columns) and a problem frame
    (:data:`REJECT_SCHEMA`). A value counts as unreadable when it is present after
    :func:`cimlab.parsing.clean_missing` and its parse is null: it is never silently dropped.

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
    for column in kinds:
        if column not in mapped.columns:
            mapped = mapped.with_columns(pl.lit(None, dtype=pl.String()).alias(column))
    cleaned = mapped.with_columns(p.clean_missing(pl.col(c)).alias(c) for c in kinds)
    if table == "orders":
        cleaned = _derive_orders(cleaned, options)
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
    derived: list[pl.Expr] = [pl.lit(channel).alias("channel")]
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
    return typed, problems


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


def _duplicate_order_lines(valid: pl.DataFrame) -> pl.DataFrame:
    dup = valid.filter(pl.struct("order_id", "line_number").is_duplicated())
    if dup.is_empty():
        return pl.DataFrame(schema=REJECT_SCHEMA)
    first = dup.group_by("order_id", "line_number").agg(pl.col(LINE).min().alias("first"))
    return (
        dup.join(first, on=["order_id", "line_number"])
        .filter(pl.col(LINE) != pl.col("first"))
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


def _check_currency_source(raw: RawTable, mapping: ColumnMapping) -> None:
    """Orders need a currency: a column, a symbol on the amounts, or a default; else stop early."""
    if "currency" in mapping.columns or mapping.options.currency:
        return
    source = mapping.columns.get("amount") or mapping.columns.get("unit_price")
    if source is not None and raw.frame.height:
        column = dict(zip(raw.headers, raw.columns, strict=True))[source]
        found = raw.frame.select(p.detect_currency(pl.col(column)).is_not_null().any()).item()
        if found:
            return
    if raw.frame.height == 0:
        return
    raise MappingError(
        f"{raw.file}: the amounts carry no currency: the file has no currency column and no "
        "amount has a symbol such as ¥ or $. Give one (--currency CNY, the currency box in the "
        "app, or `options: {currency: CNY}` in a mapping file) or add a currency column."
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
    spec: str | Path | dict[str, Any] | ColumnMapping | Preset | None = mapping
    if table is None and not isinstance(spec, ColumnMapping | dict):
        if isinstance(spec, str) and not Path(spec).suffix:  # a preset name
            named = load_preset(spec)
            if len(named.tables) == 1:
                table = next(iter(named.tables))
            else:
                _, table, _ = detect_preset(list(raw.headers))
        elif spec is None:
            spec, table, _ = detect_preset(list(raw.headers))
        if table is None and spec is not None and not isinstance(spec, Preset):
            table = None  # a mapping file names its table; resolve_mapping reads it
        elif table is None:
            raise MappingError(
                f"{raw.file}: cannot tell which table this file is for; give --table "
                f"({', '.join(TABLES)})"
            )
    if table is not None and table not in TABLES:
        raise MappingError(f"table={table!r} is not one of {', '.join(TABLES)}.")
    resolved = resolve_mapping(spec, list(raw.headers), table=table or "", file=raw.file)
    table = resolved.table
    if currency:
        resolved = replace(resolved, options=replace(resolved.options, currency=currency.upper()))
    if table == "orders":
        _check_currency_source(raw, resolved)
    channel = channel or resolved.channel
    if not channel:
        raise MappingError(
            f"{raw.file}: which channel is this file from? give --channel (e.g. tmall, wechat, "
            "online_shop, offline_store)"
        )
    mapped = map_columns(raw, resolved)
    typed, parse_problems = parse_table(
        mapped, table=table, channel=channel, options=resolved.options
    )
    valid, check_problems = validate_table(typed, table=table)
    problems = [raw.rejected, parse_problems, check_problems]
    # a cell that failed parsing is null; its "required" failure would repeat the same problem
    if check_problems.height and parse_problems.height:
        problems[2] = check_problems.join(
            parse_problems.select("line", "column"), on=["line", "column"], how="anti"
        )
    if parse_problems.height:
        valid = valid.filter(~pl.col(LINE).is_in(parse_problems["line"].implode()))
    if table == "orders":
        dup = _duplicate_order_lines(valid)
        if dup.height:
            valid = valid.filter(~pl.col(LINE).is_in(dup["line"].implode()))
            problems.append(dup)
    quarantine = pl.concat(problems).sort("line", maintain_order=True)
    source_of = dict(resolved.columns)
    quarantine = quarantine.with_columns(
        pl.col("column").replace_strict(source_of, default=pl.col("column"), return_dtype=pl.String)
    )
    quarantine = quarantine.join(_row_json(raw, quarantine["line"]), on="line", how="left")
    quarantine = quarantine.select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]
    valid = valid.rename({LINE: "source_line"}).select(*polars_schema(table), "source_line")
    report = ImportReport(
        file=raw.file,
        table=table,
        channel=channel,
        mapping=resolved,
        raw=raw,
        valid=valid,
        quarantine=quarantine,
        content_hash=content_hash,
        notes=raw.notes,
    )
    assert report.rows_read == report.rows_loaded + report.rows_quarantined, "row accounting"
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
    workspace: Workspace,
    path: str | Path,
    *,
    table: str | None = None,
    channel: str | None = None,
    mapping: str | Path | dict[str, Any] | ColumnMapping | None = None,
    sheet: str | None = None,
    user: str | None = None,
    currency: str | None = None,
) -> ImportResult:
    """Check one file and store it in ``workspace``; a failed import changes nothing."""
    report = check_file(
        path, table=table, channel=channel, mapping=mapping, sheet=sheet, currency=currency
    )
    return store_report(workspace, report, user=user)


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


def quarantine_csv(quarantine: pl.DataFrame, *, mask: bool = False) -> bytes:
    """Quarantined rows as UTF-8 CSV (with BOM, so Excel shows Chinese): one row per line.

    Columns: ``line``, ``problems`` (every reason of that line), then the row's original columns,
    ready to be fixed and imported again. Cells that start with ``= + - @`` are escaped so a
    spreadsheet does not run them as formulas.
    """
    if quarantine.is_empty():
        return "\ufeffline,problems\n".encode()
    grouped = (
        quarantine.with_columns(
            pl.when(pl.col("column").is_not_null())
            .then(pl.col("column") + ": " + pl.col("reason"))
            .otherwise(pl.col("reason"))
            .alias("problem")
        )
        .group_by("line", maintain_order=True)
        .agg(pl.col("problem").str.join("; ").alias("problems"), pl.col("row_json").first())
        .sort("line")
    )
    records = []
    for row in grouped.iter_rows(named=True):
        original = json.loads(row["row_json"]) if row["row_json"] else {}
        if mask:
            original = {k: mask_value(k, v) for k, v in original.items()}
        records.append({"line": str(row["line"]), "problems": row["problems"], **original})
    columns: list[str] = []
    for rec in records:
        columns.extend(k for k in rec if k not in columns)
    frame = pl.DataFrame(
        {c: [None if rec.get(c) is None else str(rec[c]) for rec in records] for c in columns},
        schema=dict.fromkeys(columns, pl.String()),
    )
    return ("\ufeff" + escape_formulas(frame).write_csv()).encode()
