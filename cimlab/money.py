"""Money never mixes currencies: the reporting currency, exchange rates and conversion.

Every money figure of an analysis is in one currency, the workspace's **reporting currency**:

1. the code set with :func:`set_reporting_currency` (``cimlab workspace settings
   --reporting-currency CODE``, or the app's workspace settings), when there is one;
2. else the currency of most order value (:func:`order_currencies`: the sum of the positive
   amounts of ``paid`` lines; at equal value the code that sorts first);
3. else none (a workspace without orders).

Order lines in another currency are converted with the workspace's **rates** (:func:`rates`,
:func:`set_rates`; ``cimlab workspace rates FILE.csv``): a table ``currency, rate, valid_from``
where one unit of ``currency`` is worth ``rate`` units of the reporting currency from the day
``valid_from`` on, until the currency's next ``valid_from``. A line is converted at the rate
valid on its **calendar day in the business time zone** (:mod:`cimlab.settings`): the latest
``valid_from`` on or before that day. A line dated before a currency's first ``valid_from`` has
no rate: nothing is guessed, :class:`~cimlab.errors.MissingRatesError` names the currencies and
the days (fixes: add rates, or analyse one currency's orders with ``--currency X``).

Rules decided here
------------------
- **The rates are written in the reporting currency of the day they are loaded.** Loading
  rates (:func:`set_rates`) while the reporting currency is automatic fixes it as the setting,
  so that an import that changes the currency of most value cannot silently re-read every rate
  in another currency. When the reporting currency is later set to another code, the stored
  rates do not apply (they are kept; setting the old code back uses them again): lines of other
  currencies then lack a rate until rates in the new currency are loaded.
- **The reporting currency needs no rate** (it is 1); a rate row *for* it is refused, in the
  CSV (:func:`read_rates_csv` with ``reporting=``) and in :func:`set_rates`: such a row is
  almost always a rate written against another base currency by mistake.
- **Exact conversion.** A line's amount, as whole ten-thousandths (:func:`cimlab.lines.to_money`),
  is multiplied by the rate as a decimal of 12 places (``round(rate * 10**12)``) in 128-bit
  integers and rounded half away from zero to whole ten-thousandths again: the converted
  amount is exactly ``round(amount × rate, 4)`` for every rate written with up to 12 decimal
  places, and sums of converted amounts are exact like every money sum of :mod:`cimlab.lines`.
  ``net_amount`` and ``refund_amount`` are recomputed from the converted amount with the rules
  of :mod:`cimlab.lines`, so ``gross - refunds = net`` holds exactly after conversion too.
- **Placeholder amounts** (``amount_is_placeholder`` in an import mapping: an orders file with
  no amount column declares ``amount: 1``) are not money in any currency: callers pass them as
  ``exempt`` lines, which need no rate and keep their amount (see
  :func:`cimlab.analytics.facts.customer_data` for how analyses withhold them).

Examples
--------
>>> import datetime as dt
>>> orders = pl.DataFrame({
...     "order_ts": [dt.datetime(2024, 1, 1, 12), dt.datetime(2024, 2, 1, 12)],
...     "amount": [10.0, 10.0], "currency": ["USD", "USD"], "status": ["paid", "paid"],
... }).with_columns(pl.col("order_ts").dt.replace_time_zone("UTC"))
>>> table = pl.DataFrame({"currency": ["USD", "USD"], "rate": [7.1, 7.25],
...                       "valid_from": [dt.date(2023, 1, 1), dt.date(2024, 2, 1)]})
>>> convert_orders(orders, rates=table, to="CNY", time_zone="UTC").select(
...     "amount", "currency", "original_amount", "original_currency").rows()
[(71.0, 'CNY', 10.0, 'USD'), (72.5, 'CNY', 10.0, 'USD')]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

import polars as pl

from cimlab.dates import check_time_zone, day_of
from cimlab.errors import DataFileError, MissingRatesError, UnknownCurrencyError
from cimlab.frames import require_columns
from cimlab.lines import MONEY_DTYPE, MONEY_SCALE, from_money, net_amount, refund_amount, to_money

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "CURRENCIES_SCHEMA",
    "RATES_DDL",
    "RATES_HEADER",
    "RATES_SCHEMA",
    "CurrencyChoice",
    "MissingRatesError",
    "RateProblem",
    "UnknownCurrencyError",
    "check_currency",
    "check_rates",
    "convert_orders",
    "currency_totals",
    "in_reporting_currency",
    "label_money",
    "only_currency",
    "order_currencies",
    "placeholder_batches",
    "rate_problems",
    "rates",
    "rates_currency",
    "read_rates_bytes",
    "read_rates_csv",
    "reporting_currency",
    "set_rates",
    "set_reporting_currency",
]

#: Columns of the rates table: one unit of ``currency`` = ``rate`` units of the reporting
#: currency from ``valid_from`` on.
RATES_SCHEMA: dict[str, pl.DataType] = {
    "currency": pl.String(),
    "rate": pl.Float64(),
    "valid_from": pl.Date(),
}

#: The header a rates CSV must have, exactly.
RATES_HEADER = ("currency", "rate", "valid_from")

RATES_DDL = (
    "CREATE TABLE IF NOT EXISTS rates (currency VARCHAR NOT NULL, rate DOUBLE NOT NULL, "
    "valid_from DATE NOT NULL, PRIMARY KEY (currency, valid_from))"
)
"""The workspace table of :func:`set_rates` (created on first use)."""

#: Columns of :func:`order_currencies` / :func:`currency_totals`.
CURRENCIES_SCHEMA: dict[str, pl.DataType] = {
    "currency": pl.String(),
    "lines": pl.Int64(),
    "value": pl.Float64(),
}

_SETTING_KEY = "reporting_currency"
_RATES_KEY = "rates_currency"
_CODE = re.compile(r"^[A-Za-z]{3}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Decimal places of a rate in the exact product (see the module docstring).
_RATE_PLACES = 12
_MAX_SHOWN = 8


class CurrencyChoice(NamedTuple):
    """The reporting currency and where it comes from: ``"setting"``, ``"orders"`` (the
    currency of most order value) or ``"none"`` (no setting and no orders: ``code`` is None)."""

    code: str | None
    source: Literal["setting", "orders", "none"]


# --------------------------------------------------------------------------------------------
# Codes and the reporting currency
# --------------------------------------------------------------------------------------------


def check_currency(code: object, *, name: str = "currency") -> str:
    """``code`` as an ISO 4217 code (three letters, upper-cased); a ValueError saying what to
    write otherwise.

    Examples
    --------
    >>> check_currency(" brl ")
    'BRL'
    >>> check_currency("RMB¥")
    Traceback (most recent call last):
    ...
    ValueError: currency='RMB¥' is not a currency code; write its three-letter ISO 4217 code, such as CNY, USD or EUR.
    """
    text = code.strip() if isinstance(code, str) else code
    if not isinstance(text, str) or not _CODE.match(text):
        raise ValueError(
            f"{name}={code!r} is not a currency code; write its three-letter ISO 4217 code, "
            "such as CNY, USD or EUR."
        )
    return text.upper()


def currency_totals(orders: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Per currency of ``orders``: ``currency, lines, value`` (value = the exact sum of the
    positive amounts of ``paid`` lines, in that currency), by value then code.

    Examples
    --------
    >>> lines = pl.DataFrame({"currency": ["CNY", "BRL", "BRL", "CNY"],
    ...     "amount": [50.0, 30.0, 30.0, -5.0], "status": ["paid", "paid", "paid", "refunded"]})
    >>> currency_totals(lines).rows()
    [('BRL', 2, 60.0), ('CNY', 2, 50.0)]
    """
    lf = orders.lazy()
    schema = require_columns(lf, ["currency", "amount", "status"], what="orders frame")
    positive_paid = (pl.col("status") == "paid") & (pl.col("amount") > 0)
    units = to_money("amount", schema["amount"])
    out = (
        lf.group_by("currency")
        .agg(
            pl.len().cast(pl.Int64).alias("lines"),
            from_money(pl.when(positive_paid).then(units).otherwise(0).sum()).alias("value"),
        )
        .sort(["value", "currency"], descending=[True, False], nulls_last=True)
        .collect()
    )
    return out.cast(pl.Schema(CURRENCIES_SCHEMA))  # type: ignore[arg-type]


def order_currencies(ws: Workspace) -> pl.DataFrame:
    """The currencies of the orders of ``ws``: ``currency, lines, value`` (value in that
    currency: the sum of the positive amounts of paid lines), most value first (ties by code).

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> order_currencies(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    rows = ws.rows(
        "SELECT currency, count(*), sum(CASE WHEN status = 'paid' AND amount > 0 THEN "
        f"CAST(round(amount * {MONEY_SCALE}) AS BIGINT) ELSE 0 END) FROM orders "
        "GROUP BY currency"
    )
    frame = pl.DataFrame(
        [(c, int(n), int(u or 0)) for c, n, u in rows],
        schema={"currency": pl.String, "lines": pl.Int64, "units": pl.Int64},
        orient="row",
    )
    out = frame.select("currency", "lines", from_money(pl.col("units")).alias("value")).sort(
        ["value", "currency"], descending=[True, False], nulls_last=True
    )
    return out.cast(pl.Schema(CURRENCIES_SCHEMA))  # type: ignore[arg-type]


def _stored_setting(ws: Workspace) -> str | None:
    stored = ws.rows("SELECT value FROM meta WHERE key = ?", [_SETTING_KEY])
    if stored:
        try:
            return check_currency(stored[0][0])
        except ValueError:
            return None  # written by hand: as if unset
    return None


def _choice(setting: str | None, totals: pl.DataFrame) -> CurrencyChoice:
    if setting is not None:
        return CurrencyChoice(setting, "setting")
    known = totals.filter(pl.col("currency").is_not_null())
    if known.height:
        return CurrencyChoice(str(known["currency"][0]), "orders")
    return CurrencyChoice(None, "none")


def reporting_currency(ws: Workspace, *, orders: pl.DataFrame | None = None) -> CurrencyChoice:
    """The reporting currency of ``ws`` and its source (the rule of the module docstring).

    ``orders`` (the workspace's order lines, already read) saves reading them again for the
    automatic choice.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> reporting_currency(ws)
    CurrencyChoice(code=None, source='none')
    >>> set_reporting_currency(ws, "eur")
    CurrencyChoice(code='EUR', source='setting')
    """
    setting = _stored_setting(ws)
    if setting is not None:
        return CurrencyChoice(setting, "setting")
    if orders is None:
        return _choice(None, order_currencies(ws))
    codes = orders["currency"].drop_nulls()
    if codes.is_empty() or (codes == codes[0]).all():  # one currency: no need to weigh them
        return (
            CurrencyChoice(str(codes[0]), "orders") if len(codes) else CurrencyChoice(None, "none")
        )
    return _choice(None, currency_totals(orders))


def set_reporting_currency(ws: Workspace, code: str | None) -> CurrencyChoice:
    """Set the reporting currency of ``ws`` (an ISO code); ``None`` returns to the automatic
    choice (the currency of most order value). Returns the choice now in force.

    The stored rates stay; they apply while the reporting currency is the one they are written
    in (:func:`rates_currency`).
    """
    value = None if code is None else check_currency(code, name="reporting_currency")
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_SETTING_KEY])
        if value is not None:
            con.execute("INSERT INTO meta VALUES (?, ?)", [_SETTING_KEY, value])
    return reporting_currency(ws)


# --------------------------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------------------------


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")


def read_rates_csv(path: str | os.PathLike[str], *, reporting: str | None = None) -> pl.DataFrame:
    """Read a rates CSV (header exactly ``currency,rate,valid_from``) into :data:`RATES_SCHEMA`.

    Strict: every cell is checked and every problem reported at once, by line, column and
    value, with what to write instead (:class:`~cimlab.errors.DataFileError`). A currency is
    three letters (upper-cased), a rate a plain number above 0 (``7.1``, ``0.1385``, ``1e-3``),
    a date ``YYYY-MM-DD``; blank lines are skipped; two rates for one currency and day are
    refused; so is a rate for ``reporting`` (the reporting currency needs none) when given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "rates.csv"
    >>> _ = file.write_text("currency,rate,valid_from\\nusd,7.1,2024-01-01\\n")
    >>> read_rates_csv(file).rows()
    [('USD', 7.1, datetime.date(2024, 1, 1))]
    >>> _ = file.write_text("currency,rate,valid_from\\nUSD,0,2024-01-01\\n")
    >>> read_rates_csv(file)
    Traceback (most recent call last):
    ...
    cimlab.errors.DataFileError: rates.csv, line 2: column rate: '0' is not a rate above 0; write how many units of the reporting currency one USD is worth, e.g. 7.1
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DataFileError(
            f"cannot read the file ({exc.strerror or exc}); check the path", file=file.name
        ) from None
    return read_rates_bytes(data, name=file.name, reporting=reporting)


def read_rates_bytes(data: bytes, *, name: str, reporting: str | None = None) -> pl.DataFrame:
    """:func:`read_rates_csv` for bytes in memory (an upload in the app); ``name`` is shown in errors.

    Examples
    --------
    >>> read_rates_bytes(b"currency,rate,valid_from\\nBRL,1.3,2024-01-01\\n", name="r.csv").rows()
    [('BRL', 1.3, datetime.date(2024, 1, 1))]
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(
            "is not UTF-8 text; save it as CSV UTF-8 (a plain text file with commas)", file=name
        ) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(c.strip() for c in rows[0]):
        raise DataFileError(
            "the file is empty; its first line must be the header currency,rate,valid_from",
            file=name,
        )
    header = tuple(c.strip() for c in rows[0])
    if header != RATES_HEADER:
        raise DataFileError(
            f"the header is {_shown(','.join(rows[0]))}; write exactly currency,rate,valid_from "
            "(one unit of currency = rate units of the reporting currency from valid_from on)",
            file=name,
            line=1,
        )
    code = None if reporting is None else check_currency(reporting, name="reporting")
    problems: list[tuple[int, str]] = []
    records: list[tuple[str, float, dt.date]] = []
    first_line: dict[tuple[str, dt.date], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(RATES_HEADER):
            problems.append(
                (
                    line,
                    f"{len(row)} cells; write 3, as in USD,7.1,2024-01-01 (no commas inside a number)",
                )
            )
            continue
        raw_code, raw_rate, raw_day = (c.strip() for c in row)
        ok = True
        currency = raw_code.upper()
        if not _CODE.match(raw_code):
            problems.append(
                (line, f"column currency: {_shown(raw_code)} is not a currency code; write its "
                       "three-letter ISO 4217 code, e.g. USD")
            )  # fmt: skip
            ok = False
        elif code is not None and currency == code:
            problems.append(
                (line, f"column currency: {_shown(raw_code)} is the reporting currency; it needs "
                       f"no rate (1 {code} = 1 {code}): remove the line")
            )  # fmt: skip
            ok = False
        rate = math.nan
        if _NUMBER.match(raw_rate):
            rate = float(raw_rate)
        unit = currency if ok else "unit of the currency"
        if not _NUMBER.match(raw_rate) or not math.isfinite(rate):
            problems.append(
                (line, f"column rate: {_shown(raw_rate)} is not a number; write a plain number "
                       "with a dot for decimals, e.g. 7.1")
            )  # fmt: skip
            ok = False
        elif rate <= 0:
            problems.append(
                (line, f"column rate: {_shown(raw_rate)} is not a rate above 0; write how many "
                       f"units of the reporting currency one {unit} is worth, e.g. 7.1")
            )  # fmt: skip
            ok = False
        day: dt.date | None = None
        if _DATE.match(raw_day):
            try:
                day = dt.date.fromisoformat(raw_day)
            except ValueError:
                day = None
        if day is None:
            problems.append(
                (line, f"column valid_from: {_shown(raw_day)} is not a date; write it as "
                       "YYYY-MM-DD, e.g. 2024-01-31")
            )  # fmt: skip
            ok = False
        if not ok or day is None:
            continue
        key = (currency, day)
        if key in first_line:
            problems.append(
                (line, f"column valid_from: a second rate for {currency} from {day} (the first "
                       f"is on line {first_line[key]}); keep one of the two lines")
            )  # fmt: skip
            continue
        first_line[key] = line
        records.append((currency, rate, day))
    if problems:
        if len(problems) == 1:
            line, text = problems[0]
            raise DataFileError(text, file=name, line=line)
        shown = "; ".join(f"line {n}, {t}" for n, t in problems[:_MAX_SHOWN])
        more = len(problems) - _MAX_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        raise DataFileError(f"{len(problems)} problems: {shown}{tail}", file=name)
    if not records:
        raise DataFileError(
            "no rates below the header; write one line per currency and start day, e.g. "
            "USD,7.1,2024-01-01",
            file=name,
        )
    frame = pl.DataFrame(records, schema=RATES_SCHEMA, orient="row")
    return frame.sort("currency", "valid_from")


class RateProblem(NamedTuple):
    """One problem of a rates table (:func:`rate_problems`): its row (from 1), what is wrong
    (``kind``: ``currency``, ``reporting``, ``rate``, ``valid_from`` or ``duplicate``), the row's
    values and, for a duplicate, the row it repeats. The app says it in the user's language;
    :meth:`message` in English."""

    row: int
    kind: Literal["currency", "reporting", "rate", "valid_from", "duplicate"]
    currency: str | None
    rate: float | None
    day: dt.date | None
    first: int | None = None

    def message(self) -> str:
        where = f"rates row {self.row} ({self.currency} from {self.day})"
        code = self.currency
        return {
            "currency": f"{where}: currency {code!r} is not a three-letter ISO code.",
            "reporting": f"{where}: {code} is the reporting currency; it needs no rate "
            f"(1 {code} = 1 {code}): remove the row.",
            "rate": f"{where}: rate {self.rate!r} should be a finite number above 0.",
            "valid_from": f"{where}: valid_from is missing; give the first day of the rate.",
            "duplicate": f"two rates for {code} from {self.day} (rows {self.first} and "
            f"{self.row}); keep one.",
        }[self.kind]


def rate_problems(table: pl.DataFrame, *, reporting: str | None = None) -> list[RateProblem]:
    """Every problem of a rates ``table`` (currency text, rate number, valid_from date), row by
    row: the rules :func:`check_rates` and the app's rates editor apply (a three-letter code,
    none for ``reporting``, a finite rate above 0, a day, one rate per currency and day).

    Examples
    --------
    >>> table = pl.DataFrame({"currency": ["BR", "USD", "USD"], "rate": [1.0, 7.1, 0.0],
    ...     "valid_from": [dt.date(2024, 1, 1)] * 3})
    >>> [(p.row, p.kind) for p in rate_problems(table)]
    [(1, 'currency'), (3, 'rate'), (3, 'duplicate')]
    """
    code = None if reporting is None else check_currency(reporting, name="reporting")
    problems: list[RateProblem] = []
    seen: dict[tuple[str, dt.date], int] = {}
    columns = table.select("currency", "rate", "valid_from").iter_rows()
    for row, (currency, rate, day) in enumerate(columns, start=1):
        valid_code = currency is not None and bool(_CODE.match(currency))
        if not valid_code:
            problems.append(RateProblem(row, "currency", currency, rate, day))
        elif currency == code:
            problems.append(RateProblem(row, "reporting", currency, rate, day))
        if not isinstance(rate, int | float) or not math.isfinite(rate) or rate <= 0:
            problems.append(RateProblem(row, "rate", currency, rate, day))
        if day is None:
            problems.append(RateProblem(row, "valid_from", currency, rate, day))
        elif valid_code:
            first = seen.setdefault((currency, day), row)
            if first != row:
                problems.append(RateProblem(row, "duplicate", currency, rate, day, first))
    return problems


def check_rates(frame: pl.DataFrame, *, reporting: str | None = None) -> pl.DataFrame:
    """``frame`` as a clean rates table (:data:`RATES_SCHEMA`, sorted by currency and day); a
    ValueError naming the first bad row otherwise (codes, rates > 0 and finite, dates, no
    nulls, one rate per currency and day, no rate for ``reporting``).

    Examples
    --------
    >>> check_rates(pl.DataFrame({"currency": ["usd"], "rate": [-1.0],
    ...                           "valid_from": ["2024-01-01"]}))
    Traceback (most recent call last):
    ...
    ValueError: rates row 1 (USD from 2024-01-01): rate -1.0 should be a finite number above 0.
    """
    require_columns(frame, list(RATES_SCHEMA), what="rates frame",
                    hint="Columns are currency, rate, valid_from.")  # fmt: skip
    try:
        table = frame.select(
            pl.col("currency").cast(pl.String).str.strip_chars().str.to_uppercase(),
            pl.col("rate").cast(pl.Float64),
            (
                pl.col("valid_from").str.strip_chars().str.to_date("%Y-%m-%d")
                if frame.schema["valid_from"] == pl.String
                else pl.col("valid_from").cast(pl.Date)
            ),
        )
    except pl.exceptions.PolarsError as exc:
        raise ValueError(
            f"the rates frame cannot be read as currency (text), rate (number), valid_from "
            f"(date): {str(exc).splitlines()[0]}"
        ) from None
    problems = rate_problems(table, reporting=reporting)
    if problems:
        raise ValueError(problems[0].message())
    return table.sort("currency", "valid_from")


def rates_currency(ws: Workspace) -> str | None:
    """The currency the stored rates of ``ws`` are written in (the reporting currency when they
    were loaded); None without rates."""
    stored = ws.rows("SELECT value FROM meta WHERE key = ?", [_RATES_KEY])
    return str(stored[0][0]) if stored else None


def rates(ws: Workspace) -> pl.DataFrame:
    """The rates table of ``ws`` (:data:`RATES_SCHEMA`), by currency and day; empty without.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> rates(Workspace.open(tempfile.mkdtemp())).columns
    ['currency', 'rate', 'valid_from']
    """
    if not ws.has_table("rates"):
        return pl.DataFrame(schema=RATES_SCHEMA)
    rows = ws.rows("SELECT currency, rate, valid_from FROM rates ORDER BY currency, valid_from")
    return pl.DataFrame(rows, schema=RATES_SCHEMA, orient="row")


def set_rates(ws: Workspace, frame: pl.DataFrame) -> int:
    """Replace the rates of ``ws`` with ``frame`` (:data:`RATES_SCHEMA`) in one transaction;
    returns the number of rates stored. An empty frame removes every rate.

    The rates are written in the current reporting currency: a workspace without orders or
    setting has none yet (set one first), and an automatic reporting currency becomes the
    setting (the rules of the module docstring). A row for the reporting currency is refused.

    Examples
    --------
    >>> import datetime as dt, tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> _ = set_reporting_currency(ws, "CNY")
    >>> set_rates(ws, pl.DataFrame({"currency": ["USD"], "rate": [7.1],
    ...                             "valid_from": [dt.date(2024, 1, 1)]}))
    1
    >>> rates(ws).rows(), rates_currency(ws)
    ([('USD', 7.1, datetime.date(2024, 1, 1))], 'CNY')
    """
    choice = reporting_currency(ws)
    table = check_rates(frame, reporting=choice.code)
    if table.height and choice.code is None:
        raise ValueError(
            "the workspace has no reporting currency yet (no orders, no setting), so rates "
            "cannot say what they convert into; set it first (cimlab workspace settings "
            "--reporting-currency CODE)"
        )
    ws.ensure_tables([RATES_DDL])
    with ws.transaction() as con:
        con.execute("DELETE FROM rates")
        if table.height:
            con.executemany("INSERT INTO rates VALUES (?, ?, ?)", table.rows())
        con.execute("DELETE FROM meta WHERE key = ?", [_RATES_KEY])
        if table.height:
            con.execute("INSERT INTO meta VALUES (?, ?)", [_RATES_KEY, choice.code])
            if choice.source != "setting":  # fix the currency the rates are written in
                con.execute("DELETE FROM meta WHERE key = ?", [_SETTING_KEY])
                con.execute("INSERT INTO meta VALUES (?, ?)", [_SETTING_KEY, choice.code])
    return table.height


# --------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------


def _converted_units(units: pl.Expr, rate: pl.Expr) -> pl.Expr:
    """``units × rate`` rounded half away from zero to whole units, exactly (Int128)."""
    scale = 10**_RATE_PLACES
    rate_units = (rate * float(scale)).round().cast(pl.Int128)
    product = units.cast(pl.Int128) * rate_units
    half = pl.lit(scale // 2, dtype=pl.Int128)
    # strict cast: a line beyond ±9.2 × 10**14 currency units raises instead of wrapping
    magnitude = ((product.abs() + half) // pl.lit(scale, dtype=pl.Int128)).cast(MONEY_DTYPE)
    return pl.when(product < 0).then(-magnitude).otherwise(magnitude)


def convert_orders(
    orders: pl.DataFrame,
    *,
    rates: pl.DataFrame,
    to: str,
    time_zone: str,
    exempt: pl.Expr | None = None,
    workspace: str | os.PathLike[str] | None = None,
    rates_currency: str | None = None,
) -> pl.DataFrame:
    """Order lines with every amount in ``to``, at the rate valid on each line's day.

    Parameters
    ----------
    orders
        Order lines with ``order_ts``, ``amount``, ``currency`` (and ``status`` when
        ``net_amount``/``refund_amount`` are present: they are recomputed).
    rates
        :data:`RATES_SCHEMA`: one unit of ``currency`` = ``rate`` units of ``to`` from
        ``valid_from`` on (as-of join: the latest ``valid_from`` on or before the day).
    to
        The currency to convert into (lines already in it keep their amount).
    time_zone
        Whose calendar days decide the rate (the business time zone).
    exempt
        Lines that keep their amount and need no rate (placeholder amounts).
    workspace, rates_currency
        Only for the message of :class:`~cimlab.errors.MissingRatesError`.

    Returns
    -------
    pl.DataFrame
        ``orders`` with ``amount`` (and ``net_amount``, ``refund_amount`` when present)
        converted exactly (module docstring), ``currency`` = ``to``, and the columns
        ``original_amount``, ``original_currency`` added at the end; same rows, same order.

    Raises
    ------
    MissingRatesError
        When a line of another currency has no rate valid on its day: every such currency is
        named with its days, none is guessed.
    """
    to = check_currency(to, name="to")
    tz = check_time_zone(time_zone)
    schema = require_columns(
        orders, ["order_ts", "amount", "currency"], what="orders frame",
        hint="Pass order lines as cimlab.analytics.facts gives them.",
    )  # fmt: skip
    table = check_rates(rates)
    keep_original = [
        pl.col("amount").alias("original_amount"),
        pl.col("currency").alias("original_currency"),
    ]
    foreign = (pl.col("currency") != to).fill_null(True)
    if exempt is not None:
        foreign = foreign & ~exempt.fill_null(False)
    flagged = orders.with_columns(foreign.alias("_foreign"))
    if not flagged["_foreign"].any():  # one currency: nothing to join
        return orders.with_columns(*keep_original).with_columns(pl.lit(to).alias("currency"))
    day = day_of("order_ts", schema["order_ts"], time_zone=tz, table="orders")
    flagged = flagged.with_columns(day.alias("_day"))
    needed = flagged.filter("_foreign").select("currency", "_day").unique().sort("_day")
    matched = needed.join_asof(
        table.select(
            "currency", pl.col("valid_from").alias("_day"), pl.col("rate").alias("_rate")
        ).sort("_day", maintain_order=True),
        on="_day",
        by="currency",
        strategy="backward",
        check_sortedness=False,  # both sides are sorted by day (so is every `by` group)
    )
    missing = matched.filter(pl.col("_rate").is_null() | pl.col("currency").is_null())
    if missing.height:
        _raise_missing(missing, table, to, workspace, rates_currency, orders)
    converted = flagged.join(matched, on=["currency", "_day"], how="left", maintain_order="left")
    units = to_money("amount", schema["amount"])
    amount = (
        pl.when(pl.col("_foreign"))
        .then(from_money(_converted_units(units, pl.col("_rate"))))
        .otherwise(pl.col("amount").cast(pl.Float64))
        .alias("amount")
    )
    out = converted.with_columns(*keep_original).with_columns(amount)
    rules = {"net_amount": net_amount(), "refund_amount": refund_amount()}
    recomputed = [rule for name, rule in rules.items() if name in schema]
    out = out.with_columns(*recomputed, pl.lit(to).alias("currency"))
    return out.drop("_foreign", "_day", "_rate")


def _raise_missing(
    missing: pl.DataFrame,
    table: pl.DataFrame,
    to: str,
    workspace: str | os.PathLike[str] | None,
    stored_in: str | None,
    orders: pl.DataFrame,
) -> None:
    spans = (
        missing.group_by("currency")
        .agg(
            pl.col("_day").min().alias("first"),
            pl.col("_day").max().alias("last"),
            pl.len().alias("days"),
        )
        .sort("currency", nulls_last=True)
    )
    firsts = dict(table.group_by("currency").agg(pl.col("valid_from").min()).iter_rows())
    days: dict[str, tuple[dt.date, dt.date, int]] = {}
    for code, first, last, n in spans.iter_rows():
        days[code if code is not None else "(none)"] = (first, last, int(n))
    present = [c for c in orders["currency"].unique().to_list() if c is not None]
    raise MissingRatesError(
        list(days),
        to,
        days=days,
        first_rates={c: firsts.get(c) for c in days},
        workspace=workspace,
        rates_currency=stored_in,
        present=present,
    )


# --------------------------------------------------------------------------------------------
# Labels of analysis outputs
# --------------------------------------------------------------------------------------------


def label_money(
    frame: pl.DataFrame,
    *,
    currency: str | None,
    money: Sequence[str],
    rows: pl.Expr | None = None,
    withhold: bool = False,
) -> pl.DataFrame:
    """An analysis output with the currency of its money figures: a ``currency`` column after
    the last of the ``money`` columns (replaced when the frame has one); with ``rows`` (long
    tables such as the KPIs) only the rows where it is true carry the currency, the others
    null. ``withhold=True`` (every amount a placeholder) turns those figures null. A frame
    without any of the ``money`` columns comes back as it is.

    Examples
    --------
    >>> out = pl.DataFrame({"segment": ["champions"], "net_spend": [120.0], "customers": [3]})
    >>> label_money(out, currency="CNY", money=["net_spend"]).rows()
    [('champions', 120.0, 'CNY', 3)]
    >>> label_money(out, currency="CNY", money=["net_spend"], withhold=True).rows()
    [('champions', None, 'CNY', 3)]
    >>> kpis = pl.DataFrame({"kpi": ["orders", "revenue"], "value": [4.0, 90.5]})
    >>> label_money(kpis, currency="CNY", money=["value"], rows=pl.col("kpi") == "revenue").rows()
    [('orders', 4.0, None), ('revenue', 90.5, 'CNY')]
    """
    columns = [c for c in money if c in frame.columns]
    if not columns:
        return frame
    where = pl.lit(True) if rows is None else rows.fill_null(False)
    out = frame
    if withhold:
        out = out.with_columns(
            pl.when(where).then(None).otherwise(pl.col(c)).cast(out.schema[c]).alias(c)
            for c in columns
        )
    label = pl.when(where).then(pl.lit(currency, dtype=pl.String)).alias("currency")
    if "currency" in out.columns:
        return out.with_columns(label)
    names = out.columns
    at = max(names.index(c) for c in columns) + 1
    return out.with_columns(label).select(*names[:at], "currency", *names[at:])


def placeholder_batches(ws: Workspace) -> list[int]:
    """The active order batches of ``ws`` whose mapping declared placeholder amounts
    (``options.amount_is_placeholder``), read from each batch's stored mapping.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> placeholder_batches(Workspace.open(tempfile.mkdtemp()))
    []
    """
    found = []
    rows = ws.rows(
        "SELECT batch_id, mapping FROM batches WHERE status = 'active' AND table_name = 'orders'"
    )
    for batch_id, mapping in rows:
        try:
            options = json.loads(mapping or "{}").get("options") or {}
            flag = options.get("amount_is_placeholder") is True
        except (ValueError, AttributeError, TypeError):
            continue  # an old or hand-made batch without readable options has real amounts
        if flag:
            found.append(int(batch_id))
    return sorted(found)


def in_reporting_currency(
    ws: Workspace,
    orders: pl.DataFrame,
    *,
    time_zone: str,
    choice: CurrencyChoice | None = None,
    placeholders: Sequence[int] = (),
) -> tuple[pl.DataFrame, str | None]:
    """Order lines of ``ws`` (any subset, with ``batch_id`` when ``placeholders`` are given)
    converted into the reporting currency with the workspace's rates, and that currency.

    ``choice`` is the reporting currency when already known (default: :func:`reporting_currency`
    of ``ws``); lines of the batches ``placeholders`` need no rate (:func:`convert_orders`'s
    ``exempt``). Only a frame with a currency other than the reporting one reads the rates;
    rates written in another currency than the reporting one (:func:`rates_currency`) do not
    apply. Without orders or setting, the frame comes back with ``original_*`` columns and None.
    """
    target = (reporting_currency(ws) if choice is None else choice).code
    originals = (
        pl.col("amount").alias("original_amount"),
        pl.col("currency").alias("original_currency"),
    )
    if target is None:
        return orders.with_columns(*originals), None
    codes = orders["currency"]
    if codes.null_count() == 0 and (codes == target).all():  # one currency: no rates read
        return orders.with_columns(*originals), target
    table = pl.DataFrame(schema=RATES_SCHEMA)
    stored_in = rates_currency(ws)
    if stored_in in (None, target):  # rates written in another currency do not apply
        table = rates(ws)
    exempt = pl.col("batch_id").is_in(list(placeholders)) if placeholders else None
    converted = convert_orders(
        orders,
        rates=table,
        to=target,
        time_zone=time_zone,
        exempt=exempt,
        workspace=ws.path,
        rates_currency=stored_in,
    )
    return converted, target


def only_currency(orders: pl.DataFrame, currency: str) -> pl.DataFrame:
    """The lines of ``orders`` in ``currency`` (unconverted, with ``original_amount``,
    ``original_currency``); :class:`~cimlab.errors.UnknownCurrencyError` naming the currencies
    present when no line is in it.

    Examples
    --------
    >>> lines = pl.DataFrame({"amount": [5.0, 7.0], "currency": ["CNY", "BRL"]})
    >>> only_currency(lines, "brl").select("amount", "currency").rows()
    [(7.0, 'BRL')]
    """
    code = check_currency(currency)
    kept = orders.filter(pl.col("currency") == code)
    if kept.is_empty():
        present = [c for c in orders["currency"].unique().to_list() if c is not None]
        raise UnknownCurrencyError(code, present)
    return kept.with_columns(
        pl.col("amount").alias("original_amount"), pl.col("currency").alias("original_currency")
    )
