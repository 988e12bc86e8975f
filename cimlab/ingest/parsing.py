"""Value-parsing rules: raw strings from channel exports to typed canonical values.

Every parser is a Polars expression rule (``pl.Expr -> pl.Expr``) built only from native,
vectorised string and integer operations. A parser returns null **exactly** when it cannot
read a non-null input, so the import pipeline can quarantine the row instead of silently
losing the value::

    raw = clean_missing(pl.col(src))
    parsed = parse_datetime(raw, day_first=False)
    failed = raw.is_not_null() & parsed.is_null()

:func:`clean_missing` runs first and turns the spellings of "no value" (``N/A``, ``--``,
``暂无``...) into null, so the parsers never need to know about them. ``NaN`` is *not* a
spelling of "no value": in an amount column it is a value we cannot use, and it is quarantined.

Examples
--------
>>> import polars as pl
>>> frame = pl.DataFrame({"amount": ["¥1,234.50", "N/A", "abc"]})
>>> raw = clean_missing(pl.col("amount"))
>>> frame.select(
...     value=parse_money(raw), failed=raw.is_not_null() & parse_money(raw).is_null()
... ).rows()
[(1234.5, False), (None, False), (None, True)]
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from cimlab.dates import check_time_zone
from cimlab.ingest.mapping import TIME_FORMATS

__all__ = [
    "CUSTOMER_TYPE_TOKENS",
    "FAILURE_REASONS",
    "GENDER_TOKENS",
    "GENDER_UNKNOWN_TOKENS",
    "NULL_TOKENS",
    "PHONE_REGIONS",
    "STATUS_TOKENS",
    "clean_missing",
    "detect_currency",
    "is_masked_name",
    "is_masked_phone",
    "is_unknown_gender",
    "normalize_email",
    "normalize_id",
    "normalize_phone",
    "normalize_status",
    "parse_bool",
    "parse_customer_type",
    "parse_date",
    "parse_datetime",
    "parse_gender",
    "parse_integer",
    "parse_money",
    "parse_number",
    "trim",
]

# --------------------------------------------------------------------------------------------
# Missing values
# --------------------------------------------------------------------------------------------

#: Spellings that mean "no value" (compared after stripping, case as listed). ``NaN`` is absent
#: on purpose: a NaN amount is quarantined, not treated as missing.
NULL_TOKENS: frozenset[str] = frozenset(
    {
        "",
        "N/A",
        "n/a",
        "N/a",
        "NA",
        "#N/A",
        "<NA>",
        "NaT",
        "null",
        "NULL",
        "Null",
        "(null)",
        "None",
        "none",
        "NONE",
        "-",
        "--",
        "---",
        "—",
        "——",
        "－",
        "无",
        "暂无",
        "空",
    }
)

# Characters stripped around every value: ASCII whitespace, NBSP, full-width space (U+3000),
# byte-order mark and zero-width space (both leak from Excel and web copy-paste).
_STRIP = " \t\n\r\v\f\u00a0\u3000\ufeff\u200b"


_NULL_TOKEN_LIST = sorted(NULL_TOKENS)


def clean_missing(raw: pl.Expr) -> pl.Expr:
    """Strip whitespace and turn the spellings of "no value" into null.

    Strips ASCII whitespace, NBSP (U+00A0), the full-width space (U+3000), BOM and zero-width
    space; a value that is then empty or one of :data:`NULL_TOKENS` becomes null. Anything
    else is returned stripped, unchanged.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["  a ", "N/A", "\\u3000", "暂无", "--", "NaN", None])
    >>> s.to_frame().select(clean_missing(pl.col("x"))).to_series().to_list()
    ['a', None, None, None, None, 'NaN', None]
    """
    return raw.str.strip_chars(_STRIP).replace(_NULL_TOKEN_LIST, None)


def _strip(raw: pl.Expr) -> pl.Expr:
    return raw.cast(pl.String).str.strip_chars(_STRIP)


def trim(raw: pl.Expr) -> pl.Expr:
    """Strip the whitespace :func:`clean_missing` strips (NBSP, full-width space, BOM too),
    keeping the value otherwise as written.

    Examples
    --------
    >>> import polars as pl
    >>> pl.Series("x", ["\u3000buy ", None]).to_frame().select(trim(pl.col("x")))["x"].to_list()
    ['buy', None]
    """
    return _strip(raw)


# --------------------------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------------------------

# General grammar, for values no fast route took. Families: Y-M-D with - / . or 年月日
# separators; A/B/YYYY (month-first or day-first); compact YYYYMMDD[HHMMSS]. Then an optional time
# (after T or spaces), AM/PM, and an offset after the time (Z, UTC, +08:00, +0800, +08, GMT+8).
_DT_DATE = (
    r"^(?:(?P<y1>[0-9]{4})(?:[-/.]|\s*年\s*)(?P<m1>[0-9]{1,2})(?:[-/.]|\s*月\s*)"
    r"(?P<d1>[0-9]{1,2})(?:\s*日)?"
    r"|(?P<a2>[0-9]{1,2})[-/.](?P<b2>[0-9]{1,2})[-/.](?P<y2>[0-9]{4})"
    r"|(?P<y3>[0-9]{4})(?P<m3>[0-9]{2})(?P<d3>[0-9]{2})"
    r"(?:(?P<H3>[0-9]{2})(?P<M3>[0-9]{2})(?P<S3>[0-9]{2}))?)"
)
_DT_TIME = (
    r"(?:\s*T\s*|\s+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})"
    r"(?::(?P<S>[0-9]{2})(?:[.,](?P<F>[0-9]{1,9}))?)?"
    r"(?:\s*(?P<P>[AaPp][Mm]))?"
    r"(?:\s*(?P<Z>[Zz]|UTC|GMT|(?:UTC|GMT)?(?P<zs>[+-])"
    r"(?:(?P<zh>[0-9]{2})(?::?(?P<zm>[0-9]{2}))?|(?P<zh1>[0-9]))))?$"
)
_DT_GRAMMAR = rf"{_DT_DATE}(?:{_DT_TIME.removesuffix('$')})?$"

# Fast routes: a shape (cheap to test, strict about ranges) and the strptime format that reads
# it; every route reads a subset of the general grammar exactly as the general path does.
_Y = r"[1-9][0-9]{3}"
_MD = r"[0-9]{1,2}"
_HM = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
_SS = r":[0-5][0-9]"
_DATE_ROUTES: tuple[tuple[str, str], ...] = (
    (rf"^{_Y}-[0-9]{{2}}-[0-9]{{2}} (?:[01][0-9]|2[0-3]):[0-5][0-9]{_SS}$", "%Y-%m-%d %H:%M:%S"),
    (rf"^{_Y}-[0-9]{{2}}-[0-9]{{2}}$", "%Y-%m-%d"),
    (rf"^{_Y}-{_MD}-{_MD} {_HM}$", "%Y-%m-%d %H:%M"),
    (rf"^{_Y}/{_MD}/{_MD}$", "%Y/%m/%d"),
    (rf"^{_Y}/{_MD}/{_MD} {_HM}$", "%Y/%m/%d %H:%M"),
    (rf"^{_Y}/{_MD}/{_MD} {_HM}{_SS}$", "%Y/%m/%d %H:%M:%S"),
    (rf"^{_Y}-[0-9]{{2}}-[0-9]{{2}}T{_HM}{_SS}(?:\.[0-9]{{1,9}})?$", "%Y-%m-%dT%H:%M:%S%.f"),
    (rf"^{_Y}年{_MD}月{_MD}日$", "%Y年%m月%d日"),
    (rf"^{_Y}年{_MD}月{_MD}日 {_HM}$", "%Y年%m月%d日 %H:%M"),
    (rf"^{_Y}年{_MD}月{_MD}日 {_HM}{_SS}$", "%Y年%m月%d日 %H:%M:%S"),
)
# ISO 8601 with T and an offset (APIs): read straight to UTC by chrono.
_ISO_OFFSET = (
    rf"^{_Y}-[0-9]{{2}}-[0-9]{{2}}T(?:[01][0-9]|2[0-3]):[0-5][0-9]{_SS}(?:\.[0-9]{{1,9}})?"
    r"(?:Z|[+-](?:0[0-9]|1[0-4])(?::?[0-5][0-9])?)$"
)
_SLASH_ROUTES: tuple[tuple[str, str], ...] = (  # month-first formats; day-first swaps %m/%d
    (rf"^{_MD}/{_MD}/{_Y} {_HM}$", "%m/%d/%Y %H:%M"),
    (rf"^{_MD}/{_MD}/{_Y}$", "%m/%d/%Y"),
)
_EXCEL_SERIAL = r"^[0-9]{5}(?:\.[0-9]+)?$"
# Plain numbers: Excel serials, or Unix epoch times (10 digits: seconds, 13: milliseconds, or any
# number when the mapping declares the unit).
_NUMBER = r"^[0-9]+(?:\.[0-9]+)?$"
_SIGNED_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"
# microseconds per unit, the most decimals kept, and the most whole digits read (beyond them
# the instant is past the year 9999 anyway, and the product would overflow)
_EPOCH_UNITS = {"epoch_s": (1_000_000, 6, 12), "epoch_ms": (1_000, 3, 15)}
_EPOCH_MIN_US = -30_610_224_000 * 1_000_000  # 1000-01-01, as the other formats
_EPOCH_MAX_US = 253_402_300_799 * 1_000_000  # 9999-12-31 23:59:59
_EXCEL_MIN, _EXCEL_MAX = 20000.0, 80000.0
_EXCEL_EPOCH_OFFSET_DAYS = 25569  # 1899-12-30 -> 1970-01-01

_US_PER_MINUTE = 60_000_000


def _pipeline(raw: pl.Expr, *steps: dict[str, pl.Expr], out: str) -> pl.Expr:
    """Run ``steps`` over a struct holding the stripped value as field ``s``; return field ``out``.

    Each step adds fields computed from the earlier ones (``pl.field``), so every expensive
    sub-result (a regex capture, a parse) is computed once per row, without relying on
    common-subexpression elimination. The result keeps the input's column name.
    """
    state = pl.struct(_strip(raw).alias("s"))
    for step in steps:
        state = state.struct.with_fields(**step)
    result = state.struct.field(out)
    name = raw.meta.output_name(raise_if_undetermined=False)
    return result.alias(name) if name else result


_F = pl.field


def _int(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int64, strict=False)


def _days_in_month(y: pl.Expr, m: pl.Expr) -> pl.Expr:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    # A flat chain on purpose: a nested when/then trips a polars 2.1 panic on literal series.
    return (
        pl.when((m == 2) & leap)
        .then(29)
        .when(m == 2)
        .then(28)
        .when(m.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )


def _epoch_us(number: pl.Expr, time_format: str) -> pl.Expr:
    """Microseconds since 1970-01-01 UTC of a (signed, maybe decimal) number of ``time_format``
    units; null beyond the years 1000–9999. Exact: the digits are read as integers."""
    unit, decimals, longest = _EPOCH_UNITS[time_format]
    whole = number.str.extract(r"^-?([0-9]+)", 1)
    fraction = number.str.extract(r"\.([0-9]+)$", 1).str.pad_end(decimals, "0")
    magnitude = _int(whole) * unit + _int(fraction.str.slice(0, decimals)).fill_null(0)
    us = pl.when(number.str.starts_with("-")).then(-magnitude).otherwise(magnitude)
    in_range = (whole.str.len_bytes() <= longest) & us.is_between(_EPOCH_MIN_US, _EPOCH_MAX_US)
    return pl.when(in_range).then(us)


def _datetime_steps(*, day_first: bool, time_format: str | None = None) -> list[dict[str, pl.Expr]]:
    """Steps leaving the fields the two public parsers combine.

    ``naive``: wall clock as written (null for rows of the ISO-with-offset route);
    ``offset``: offset written in a general-path value, in minutes (null when none);
    ``utc_direct`` and ``date_direct``: instant and written date of ISO-with-offset rows;
    ``epoch``: the instant of a Unix epoch number (``time_format``, or 10/13 digits when None).
    """
    if time_format is not None and time_format not in TIME_FORMATS:
        raise ValueError(f"time_format={time_format!r} should be None or one of {TIME_FORMATS}.")
    naive_dtype = pl.Datetime("us")
    s = _F("s")
    routes = list(_DATE_ROUTES) + [
        (shape, fmt.replace("%m/%d", "%d/%m") if day_first else fmt) for shape, fmt in _SLASH_ROUTES
    ]
    gates = {f"route{i}": s.str.contains(shape) for i, (shape, _) in enumerate(routes)}
    gates["iso_offset"] = s.str.contains(_ISO_OFFSET)
    # one pattern finds every plain number (most values are none): serials and epochs come from it
    gates["number"] = pl.when(s.str.contains(_SIGNED_NUMBER if time_format else _NUMBER)).then(s)
    number = _F("number")
    if time_format is None:
        digits = pl.when(~number.str.contains(".", literal=True)).then(number.str.len_bytes())
        numbers = {
            "serial": pl.when(number.str.contains(_EXCEL_SERIAL))
            .then(number)
            .cast(pl.Float64, strict=False),
            "epoch": pl.when(digits == 10)
            .then(_int(number) * 1_000_000)
            .when(digits == 13)
            .then(_int(number) * 1_000)
            .cast(pl.Datetime("us", "UTC")),
        }
        epoch_taken = _F("epoch").is_not_null()
    else:  # every number is an epoch time: no Excel serials
        numbers = {
            "serial": pl.lit(None, dtype=pl.Float64),
            "epoch": _epoch_us(number, time_format).cast(pl.Datetime("us", "UTC")),
        }
        epoch_taken = number.is_not_null()
    serial = _F("serial")
    excel_us = ((serial - _EXCEL_EPOCH_OFFSET_DAYS) * 86_400_000.0).round(0).cast(pl.Int64) * 1000
    taken = pl.any_horizontal(
        *(_F(f"route{i}") for i in range(len(routes))),
        _F("iso_offset"),
        serial.is_not_null(),
        epoch_taken,
    )
    iso_offset = pl.when(_F("iso_offset")).then(s)
    parse = {
        "fast": pl.coalesce(
            *(
                pl.when(_F(f"route{i}"))
                .then(s)
                .str.strptime(naive_dtype, fmt, strict=False, cache=False)
                for i, (_, fmt) in enumerate(routes)
            ),
            pl.when(serial.is_between(_EXCEL_MIN, _EXCEL_MAX)).then(excel_us).cast(naive_dtype),
        ),
        "utc_direct": iso_offset.str.strptime(
            pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, cache=False
        ),
        "date_direct": iso_offset.str.slice(0, 10).str.strptime(
            pl.Date, "%Y-%m-%d", strict=False, cache=False
        ),
        "g": pl.when(~taken).then(s).str.extract_groups(_DT_GRAMMAR),
    }
    g = _F("g")

    def part(*names: str) -> pl.Expr:
        return _int(pl.coalesce(*(g.struct.field(n) for n in names)))

    first, second = ("b2", "a2") if day_first else ("a2", "b2")
    components = {
        "y": part("y1", "y2", "y3"),
        "m": part("m1", first, "m3"),
        "d": part("d1", second, "d3"),
        "h12": part("H", "H3").fill_null(0),
        "pm": g.struct.field("P").str.to_lowercase() == "pm",
        "mi": part("M", "M3").fill_null(0),
        "sec": part("S", "S3").fill_null(0),
        "micro": _int(g.struct.field("F").str.pad_end(6, "0").str.slice(0, 6)).fill_null(0),
        "zone": g.struct.field("Z"),
        "zone_sign": pl.when(g.struct.field("zs") == "-").then(-1).otherwise(1),
        "zone_h": part("zh", "zh1").fill_null(0),
        "zone_m": part("zm").fill_null(0),
    }
    y, m, d, h12, pm = _F("y"), _F("m"), _F("d"), _F("h12"), _F("pm")
    hour = pl.when(pm.is_null()).then(h12).otherwise(h12 % 12 + 12 * pm.cast(pl.Int64))
    checked = {
        "valid": y.is_between(1000, 9999)
        & m.is_between(1, 12)
        & d.is_between(1, 31)
        & (d <= _days_in_month(y, m))
        & hour.is_between(0, 23)
        & _F("mi").is_between(0, 59)
        & _F("sec").is_between(0, 59)
        & (pm.is_null() | h12.is_between(1, 12))
        & (_F("zone_h") <= 14)
        & (_F("zone_m") <= 59),
        "hour": hour,
        "offset": pl.when(_F("zone").is_not_null()).then(
            _F("zone_sign") * (_F("zone_h") * 60 + _F("zone_m"))
        ),
    }
    valid = _F("valid")
    general = pl.datetime(
        pl.when(valid).then(y), m, d, _F("hour"), _F("mi"), _F("sec"), _F("micro")
    )
    combined = {"naive": pl.coalesce(_F("fast"), general)}
    return [gates, numbers, parse, components, checked, combined]


def parse_datetime(
    raw: pl.Expr,
    *,
    day_first: bool = False,
    timezone: str = "Asia/Shanghai",
    time_format: str | None = None,
) -> pl.Expr:
    """Parse date-times written in the usual export formats to ``Datetime("us", "UTC")``.

    Accepted (after stripping):

    - ISO: ``2024-01-05``, ``2024-01-05 08:26``, ``2024-01-05 08:26:33``,
      ``2024-01-05T08:26:33.123456``; ``-``, ``/`` or ``.`` between the parts, padded or not
      (``2024/1/5 8:26``, ``2024.1.5``).
    - Chinese: ``2024年1月5日``, ``2024年1月5日 08:26``, ``2024年1月5日 08:26:33``.
    - Compact ``20240105`` (exactly 8 digits forming a real date) and ``20240105083000``
      (14 digits: date and time).
    - ``1/5/2024 08:26`` and ``12/1/2010 8:26``: month first by default (US style, as UCI
      Online Retail); day first (``05/01/2024`` is 5 January) when ``day_first=True``.
      The option applies to every ``A/B/YYYY``, ``A-B-YYYY`` and ``A.B.YYYY`` value.
    - A time may carry ``AM``/``PM`` (hour 1–12) and fractional seconds (kept to µs).
    - Excel serial numbers: a plain number from 20000 to 80000 (1954–2119); the fraction is
      the time of day (rounded to the millisecond), epoch 1899-12-30.
    - Unix epoch times, an instant in UTC (never shifted by ``timezone``): a value of exactly 10
      digits is seconds (``1704412800``), exactly 13 digits milliseconds (``1704412800000``).
      With ``time_format="epoch_s"`` (or ``"epoch_ms"``) every plain number is read as epoch
      seconds (milliseconds), signed or with decimals (kept to the microsecond), and no number
      is an Excel serial.

    A value without an offset is a wall-clock time in ``timezone`` (ambiguous DST times take
    the earlier instant; times that do not exist in that zone give null). A value whose time
    carries ``Z``, ``UTC``, ``+08:00``, ``+0800``, ``+08`` or ``UTC+8``/``GMT+8`` (offsets up
    to ±14:00) honours its own offset. Impossible dates
    (``2024-13-45``, ``2024-02-30``), years before 1000, hours past 23 and anything else give
    null, so the import quarantines them.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series(
    ...     "x", ["2024-01-05 08:26", "12/1/2010 8:26", "2024-01-05T08:26:33Z", "2024-02-30"]
    ... )
    >>> out = s.to_frame().select(parse_datetime(pl.col("x"))).to_series()
    >>> out.dt.to_string("%F %T").to_list()
    ['2024-01-05 00:26:00', '2010-12-01 00:26:00', '2024-01-05 08:26:33', None]
    >>> s = pl.Series("x", ["1704412800", "1704412800123", "86400.5"])
    >>> auto = s.to_frame().select(parse_datetime(pl.col("x"))).to_series()
    >>> auto.dt.to_string("%F %T%.3f").to_list()
    ['2024-01-05 00:00:00.000', '2024-01-05 00:00:00.123', None]
    >>> declared = s.to_frame().select(parse_datetime(pl.col("x"), time_format="epoch_s"))
    >>> declared.to_series().dt.to_string("%F %T%.3f").to_list()[2]
    '1970-01-02 00:00:00.500'
    """
    check_time_zone(timezone, name="timezone")
    naive, offset = _F("naive"), _F("offset")
    utc = pl.Datetime("us", "UTC")
    from_offset = (naive.cast(pl.Int64) - offset * _US_PER_MINUTE).cast(utc)
    from_local = (
        pl.when(offset.is_null())
        .then(naive)
        .dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    final = {"out": pl.coalesce(_F("utc_direct"), _F("epoch"), from_offset, from_local)}
    steps = _datetime_steps(day_first=day_first, time_format=time_format)
    return _pipeline(raw, *steps, final, out="out")


def parse_date(raw: pl.Expr, *, day_first: bool = False, time_format: str | None = None) -> pl.Expr:
    """Parse dates to ``pl.Date``, with the same formats as :func:`parse_datetime`.

    The date is the calendar date **as written**: a time part is allowed and ignored (exports
    often write ``1990-03-02 00:00:00``), and a written offset does not move the date
    (``2024-01-05T23:30:00-05:00`` is 2024-01-05). The time part must still be a readable
    time (``2024-01-05 25:00`` gives null). An Excel serial gives the date of its integer part;
    a Unix epoch time (10 or 13 digits, or any number under ``time_format``) its date in UTC.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["2024年1月5日", "1990-03-02 00:00:00", "05/01/2024", "2024-13-45"])
    >>> out = s.to_frame().select(parse_date(pl.col("x"), day_first=True)).to_series()
    >>> out.cast(pl.String).to_list()
    ['2024-01-05', '1990-03-02', '2024-01-05', None]
    """
    final = {"out": pl.coalesce(_F("naive").dt.date(), _F("date_direct"), _F("epoch").dt.date())}
    steps = _datetime_steps(day_first=day_first, time_format=time_format)
    return _pipeline(raw, *steps, final, out="out")


# --------------------------------------------------------------------------------------------
# Money and numbers
# --------------------------------------------------------------------------------------------

_NUM = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+"
_CUR_PREFIX = r"(?:(?i:US|HK)\$|(?i:RMB|CNY|USD|EUR|GBP|HKD|JPY)|[¥￥$£€])"
_CUR_SUFFIX = r"(?:元|(?i:RMB|CNY|USD|EUR|GBP|HKD|JPY))"
_MONEY = (
    rf"^(?:(?:[-+]\s*)?(?:{_CUR_PREFIX}\s*)?|{_CUR_PREFIX}\s*[-+]\s*)(?:{_NUM})$"
    rf"|^[-+]?\s*(?:{_NUM})\s*{_CUR_SUFFIX}$"
    rf"|^\(\s*(?:{_CUR_PREFIX}\s*)?(?:{_NUM})(?:\s*{_CUR_SUFFIX})?\s*\)$"
)
_PLAIN_NUMBER = r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
_CURRENCY_MARKER = r"((?i:US\$|HK\$|RMB|CNY|USD|EUR|GBP|HKD|JPY)|[¥￥$£€元])"
_CURRENCY_CODES = {
    "US$": "USD",
    "HK$": "HKD",
    "¥": "CNY",
    "￥": "CNY",
    "元": "CNY",
    "RMB": "CNY",
    "CNY": "CNY",
    "$": "USD",
    "USD": "USD",
    "£": "GBP",
    "GBP": "GBP",
    "€": "EUR",
    "EUR": "EUR",
    "HKD": "HKD",
    "JPY": "JPY",
}


def _finite(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_finite()).then(value).otherwise(None)


def parse_money(raw: pl.Expr) -> pl.Expr:
    """Parse an amount of money to ``Float64`` (the currency is read by :func:`detect_currency`).

    Accepted: ``1234.5``, ``1,234.50`` (commas only between groups of three digits),
    ``-12.5``, ``+12``, ``.5``, a currency symbol or code before the number (``¥``, ``￥``,
    ``$``, ``US$``, ``HK$``, ``£``, ``€``, ``RMB``, ``CNY``, ``USD``, ``EUR``, ``GBP``, ``HKD``,
    ``JPY``; a sign may stand before or after it: ``-¥12``, ``¥-12``) or ``元``/a code after it
    (``1234.5元``, ``100 RMB``), and accounting negatives in parentheses (``(12.50)``).
    Null for ``nan``, ``inf``, text, ``1.2.3``, ``12,34,5``, a trailing minus ``12.5-``,
    European ``1.234,50`` and exponents.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["¥1,234.50", "1234.5元", "(12.50)", "US$12", "nan", "12,34,5"])
    >>> s.to_frame().select(parse_money(pl.col("x"))).to_series().to_list()
    [1234.5, 1234.5, -12.5, 12.0, None, None]
    """
    s = _F("s")
    plain, money = _F("plain"), _F("money")
    value = pl.coalesce(
        pl.when(plain).then(s).cast(pl.Float64, strict=False),
        money.str.replace_all(r"[^0-9.\-]", "").cast(pl.Float64, strict=False)
        * pl.when(money.str.starts_with("(")).then(-1.0).otherwise(1.0),
    )
    return _pipeline(
        raw,
        {"plain": s.str.contains(_PLAIN_NUMBER)},
        {"money": pl.when(~plain & s.str.contains(_MONEY)).then(s)},
        {"value": value},
        {"out": _finite(_F("value"))},
        out="out",
    )


def detect_currency(raw: pl.Expr) -> pl.Expr:
    """ISO 4217 code of the currency written with an amount, or null when none is written.

    ``¥``/``￥``/``元``/``RMB``/``CNY`` → CNY, ``$``/``US$``/``USD`` → USD, ``HK$``/``HKD`` → HKD,
    ``£``/``GBP`` → GBP, ``€``/``EUR`` → EUR, ``JPY`` → JPY (a bare ``¥`` is read as CNY).
    Null when the value is not a readable amount (see :func:`parse_money`) or has no marker;
    the caller then applies the channel's default currency.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["¥99", "US$12", "HK$5", "12", "€5", "abc €"])
    >>> s.to_frame().select(detect_currency(pl.col("x"))).to_series().to_list()
    ['CNY', 'USD', 'HKD', None, 'EUR', None]
    """
    s = _F("s")
    marker = (
        pl.when(s.str.contains(_MONEY)).then(s).str.extract(_CURRENCY_MARKER, 1).str.to_uppercase()
    )
    code = marker.replace_strict(_CURRENCY_CODES, default=None, return_dtype=pl.String)
    return _pipeline(raw, {"out": code}, out="out")


_NUMBER = (
    r"^[-+]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?$"
)
_INTEGER = r"^[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?$"


def parse_number(raw: pl.Expr) -> pl.Expr:
    """Parse a quantity or other plain number to ``Float64``.

    Accepted: ``3``, ``-2``, ``+2``, ``12.5``, ``.5``, ``1,000`` (grouped by three),
    scientific ``1e3``/``2.5E-2``. Null for ``nan``, ``inf``, text, ``1.2.3``, ``12,34,5``
    and values too large for a float.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["3", "-2", "1,000", "1e3", "nan", "three"])
    >>> s.to_frame().select(parse_number(pl.col("x"))).to_series().to_list()
    [3.0, -2.0, 1000.0, 1000.0, None, None]
    """
    s = _F("s")
    value = (
        pl.when(s.str.contains(_NUMBER))
        .then(s.str.replace_all(",", "", literal=True))
        .cast(pl.Float64, strict=False)
    )
    return _pipeline(raw, {"value": value}, {"out": _finite(_F("value"))}, out="out")


def parse_integer(raw: pl.Expr) -> pl.Expr:
    """Parse a whole number to ``Int64``.

    Accepted: ``3``, ``+3``, ``-3``, ``1,000`` and whole numbers written as floats (``3.0``,
    ``3.``). Null for ``3.5``, exponents (``1e3``), text and values outside the Int64 range.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["3", "3.0", "+3", "1,000", "3.5"])
    >>> s.to_frame().select(parse_integer(pl.col("x"))).to_series().to_list()
    [3, 3, 3, 1000, None]
    """
    s = _F("s")
    value = (
        pl.when(s.str.contains(_INTEGER))
        .then(s.str.replace_all(",", "", literal=True).str.replace(r"\.0*$", ""))
        .cast(pl.Int64, strict=False)
    )
    return _pipeline(raw, {"out": value}, out="out")


# --------------------------------------------------------------------------------------------
# Phones, e-mails, identifiers
# --------------------------------------------------------------------------------------------

#: Default regions :func:`normalize_phone` knows, with what a national number looks like.
PHONE_REGIONS: dict[str, str] = {
    "CN": "mobiles 1[3-9]+9 digits (with or without 86/+86/0086); landlines 0+area code+7-8 digits",
    "US": "10 digits, optional leading 1 (+1)",
    "GB": "0 + 9-10 digits, the trunk 0 is dropped (+44)",
    "HK": "8 digits starting 2-9 (+852)",
}

# Full-width forms to ASCII and whitespace removed, in one Aho-Corasick pass.
_PHONE_CLEANUP = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    "＋": "+",
    "－": "-",
    "（": "(",
    "）": ")",
    "＊": "*",
    " ": "",
    "\t": "",
    "\u00a0": "",
    "\u3000": "",
}
_MASKED_PHONE = r"^\+?[0-9][0-9\-]*\*[0-9*\-]*$"
_VIRTUAL_PHONE = r"^[0-9]{11,12}-[0-9]{3,4}$"
_PHONE_SEPARATORS = r"[\-.()/]"
_INTERNATIONAL = r"^(?:\+|00)[1-9][0-9]{6,14}$"
_CN_MOBILE = r"^(?:\+86|0086|86)?1[3-9][0-9]{9}$"
_CN_LANDLINE = r"^(?:(?:\+86|0086)0?|0)(?:10|2[0-9]|[3-9][0-9]{2})[0-9]{7,8}$"
_US_NATIONAL = r"^1?[2-9][0-9]{2}[2-9][0-9]{6}$"
_GB_NATIONAL = r"^0[1-9][0-9]{8,9}$"
_HK_NATIONAL = r"^[2-9][0-9]{7}$"


def _phone_steps() -> list[dict[str, pl.Expr]]:
    """Steps leaving ``compact`` (no whitespace, ASCII), ``masked`` and ``d`` (digits, maybe +)."""
    compact = _F("compact")
    starred = pl.when(compact.str.contains("*", literal=True)).then(compact)
    masked = (
        starred.str.contains(_MASKED_PHONE) & starred.str.count_matches(r"[0-9*]").is_between(7, 18)
    ).fill_null(False) | compact.str.contains(_VIRTUAL_PHONE).fill_null(False)
    digits = compact.str.replace("(0)", "", literal=True).str.replace_all(_PHONE_SEPARATORS, "")
    return [
        {"compact": _F("s").str.replace_many(_PHONE_CLEANUP)},
        {"masked": masked, "digits": digits},
        {"d": pl.when(_F("digits").str.contains(r"^\+?[0-9]+$")).then(_F("digits"))},
    ]


def is_masked_phone(raw: pl.Expr) -> pl.Expr:
    """True for platform-masked phones (``138****1234``, ``138-****-1234``) and virtual numbers.

    A virtual number is 11–12 digits, a dash and a 3–4 digit extension (``132123457749-1234``).
    Such values are valid but identify nobody; :func:`normalize_phone` keeps them as written.
    False for null and for every other value.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["138****1234", "132123457749-1234", "13800138000", None])
    >>> s.to_frame().select(is_masked_phone(pl.col("x"))).to_series().to_list()
    [True, True, False, False]
    """
    return _pipeline(raw, *_phone_steps(), {"out": _F("masked")}, out="out")


def normalize_phone(raw: pl.Expr, *, default_region: str = "CN") -> pl.Expr:
    """Normalise a phone number to E.164 (``+8613800138000``), or null when it is not one.

    Spaces, dashes, dots, slashes, parentheses and full-width digits are tidied away
    (``+44 (0)20 ...`` loses its ``(0)``). Then:

    - a number starting with ``+`` or ``00`` and 7–15 digits is international: ``+digits``
      (for ``+86``/``0086`` the CN rules below apply first);
    - otherwise it is read in ``default_region`` (see :data:`PHONE_REGIONS`):
      ``CN`` mobiles ``1[3-9]xxxxxxxxx`` (optionally ``86``-prefixed) → ``+861...``; landlines
      with area code (``010-12345678``, ``0755-1234567``) → ``+8610...`` (trunk 0 dropped);
      ``US`` 10 digits with optional leading 1 → ``+1...``; ``GB`` leading 0 → ``+44...``;
      ``HK`` 8 digits → ``+852...``.

    Platform-masked numbers (``138****1234``, ``138-****-1234``) and virtual numbers
    (``132123457749-1234``) are returned **as written** with spaces removed (``＊`` becomes
    ``*``); flag them with :func:`is_masked_phone`. Anything else (``12345``, ``abc``,
    ``13800138000123``) gives null.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series(
    ...     "x", ["138 0013 8000", "+86 138-0013-8000", "010-12345678", "138****1234", "12345"]
    ... )
    >>> s.to_frame().select(normalize_phone(pl.col("x"))).to_series().to_list()
    ['+8613800138000', '+8613800138000', '+861012345678', '138****1234', None]
    """
    region = default_region.upper()
    if region not in PHONE_REGIONS:
        raise ValueError(
            f"default_region={default_region!r} is not supported; "
            f"choose one of {sorted(PHONE_REGIONS)}."
        )
    d = _F("d")

    def rule(pattern: str, value: pl.Expr) -> pl.Expr:
        return pl.when(d.str.contains(pattern)).then(value)

    international = rule(_INTERNATIONAL, "+" + d.str.replace(r"^(?:\+|00)", ""))
    national = {
        "CN": [
            rule(_CN_MOBILE, "+86" + d.str.slice(-11)),
            rule(_CN_LANDLINE, "+86" + d.str.replace(r"^(?:\+86|0086)?0?", "")),
        ],
        "US": [rule(_US_NATIONAL, "+1" + d.str.slice(-10))],
        "GB": [rule(_GB_NATIONAL, "+44" + d.str.slice(1))],
        "HK": [rule(_HK_NATIONAL, "+852" + d)],
    }[region]
    # CN rules come first so +86/0086 numbers lose their trunk 0; elsewhere + wins.
    rules = [*national, international] if region == "CN" else [international, *national]
    out = pl.when(_F("masked")).then(_F("compact")).otherwise(pl.coalesce(*rules))
    return _pipeline(raw, *_phone_steps(), {"out": out}, out="out")


_EMAIL_LOCAL = r"[^@\s,;:<>()\[\]\"'\\]+"
_EMAIL_LABEL = r"[^@\s,;:<>()\[\]\"'\\.]"
_EMAIL = rf"^{_EMAIL_LOCAL}@(?:{_EMAIL_LABEL}+\.)+{_EMAIL_LABEL}{{2,}}$"


def normalize_email(raw: pl.Expr) -> pl.Expr:
    """Trim and lower-case an e-mail address; null when it is not a plausible address.

    Full-width ``＠`` and ``．`` become ASCII and a ``mailto:`` prefix is removed. Plausible means:
    exactly one ``@``, no spaces or list separators (``,;<>()[]``), a domain of dot-separated
    non-empty labels whose last label has at least two characters.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series(
    ...     "x", [" Alice@Example.COM ", "mailto:bob@x.cn", "张三＠qq．com", "a@b", "a b@c.com"]
    ... )
    >>> s.to_frame().select(normalize_email(pl.col("x"))).to_series().to_list()
    ['alice@example.com', 'bob@x.cn', '张三@qq.com', None, None]
    """
    s = _F("s")
    cleaned = (
        s.str.replace_many({"＠": "@", "．": "."}).str.to_lowercase().str.replace(r"^mailto:", "")
    )
    email = _F("email")
    return _pipeline(
        raw, {"email": cleaned}, {"out": pl.when(email.str.contains(_EMAIL)).then(email)}, out="out"
    )


_FLOAT_INT = r"^[0-9]+\.0+$"
_SCIENTIFIC_ID = r"^[0-9](?:\.[0-9]+)?[eE]\+[0-9]{1,3}$"


def normalize_id(raw: pl.Expr) -> pl.Expr:
    """Keep an identifier exactly as written (stripped): ``00123`` stays ``00123``.

    Two column-wide repairs of spreadsheet damage:

    - when **every** non-null value of the column is a whole number written as a float
      (``17850.0``), the ``.0`` is dropped for the whole column (``17850``); a column that mixes
      ``17850.0`` with other ids is left alone.
    - ids in scientific notation (``1.23457E+18``, Excel's rendering of an 18–19 digit order id)
      have lost digits that cannot be recovered: they give null, so the import quarantines them
      and the user can re-export the column as text.

    The column-wide condition is an aggregation: use the rule in ``select``/``with_columns``
    over the whole column (in a ``group_by`` it would apply per group).

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"id": ["17850.0", "13047.0", None]})
    >>> frame.select(normalize_id(pl.col("id")))["id"].to_list()
    ['17850', '13047', None]
    >>> frame = pl.DataFrame({"id": ["00123", "17850.0", "1.23457E+18"]})
    >>> frame.select(normalize_id(pl.col("id")))["id"].to_list()
    ['00123', '17850.0', None]
    """
    s = _F("s")
    whole_column = (_F("float_int") | s.is_null()).all() & s.is_not_null().any()
    kept = pl.when(whole_column).then(s.str.replace(r"\.0+$", "")).otherwise(s)
    return _pipeline(
        raw,
        {"float_int": s.str.contains(_FLOAT_INT), "scientific": s.str.contains(_SCIENTIFIC_ID)},
        {"out": pl.when(~_F("scientific")).then(kept)},
        out="out",
    )


# --------------------------------------------------------------------------------------------
# Categorical values
# --------------------------------------------------------------------------------------------

_TRUE_TOKENS = (
    "yes", "y", "true", "t", "1", "1.0", "on", "是", "同意", "已同意", "已订阅", "订阅", "√", "✓",
    "opt-in", "opt in", "optin", "opted in", "opted-in", "subscribed",
)  # fmt: skip
_FALSE_TOKENS = (
    "no", "n", "false", "f", "0", "0.0", "off", "否", "不同意", "未同意", "未订阅", "退订",
    "已退订", "取消订阅", "×", "✗", "opt-out", "opt out", "optout", "opted out", "opted-out",
    "unsubscribed",
)  # fmt: skip
_BOOL_TOKENS: dict[str, bool] = {t: True for t in _TRUE_TOKENS} | {t: False for t in _FALSE_TOKENS}


def _token(raw: pl.Expr) -> pl.Expr:
    """Stripped, lower-cased value for token lookups."""
    return _strip(raw).str.to_lowercase()


def parse_bool(raw: pl.Expr) -> pl.Expr:
    """Parse yes/no answers and consent flags to ``Boolean`` (case-insensitive).

    True: yes, y, true, t, 1, on, 是, 同意, 已同意, 订阅, 已订阅, √, ✓, opt-in (opt in, optin),
    opted in, subscribed. False: no, n, false, f, 0, off, 否, 不同意, 未同意, 未订阅, 退订,
    已退订, 取消订阅, ×, ✗, opt-out (opt out, optout), opted out, unsubscribed. ``1.0``/``0.0``
    too (spreadsheets). Anything else gives null.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["Yes", "否", "Opt-Out", "已订阅", "maybe"])
    >>> s.to_frame().select(parse_bool(pl.col("x"))).to_series().to_list()
    [True, False, False, True, None]
    """
    return _token(raw).replace_strict(_BOOL_TOKENS, default=None, return_dtype=pl.Boolean)


#: Spellings of a gender, lower-cased, and the canonical value they mean.
GENDER_TOKENS: dict[str, str] = {
    **dict.fromkeys(["男", "男性", "先生", "m", "male", "man", "mr", "mr."], "male"),
    **dict.fromkeys(
        ["女", "女性", "女士", "小姐", "f", "female", "woman", "ms", "ms.", "mrs", "mrs."], "female"
    ),
    **dict.fromkeys(["其他", "其它", "other", "x", "non-binary", "nonbinary", "非二元"], "other"),
}
#: Spellings meaning "gender not known/not disclosed" (lower-cased): a known "no value".
GENDER_UNKNOWN_TOKENS: frozenset[str] = frozenset(
    {"未知", "保密", "不详", "未填写", "unknown", "u", "prefer not to say", "not specified"}
)


def parse_gender(raw: pl.Expr) -> pl.Expr:
    """Map gender spellings to ``male``/``female``/``other`` (case-insensitive).

    男/男性/先生/M/male/man/Mr → male; 女/女性/女士/小姐/F/female/woman/Ms/Mrs → female;
    其他/other/X/non-binary → other. Null for the "not known" spellings in
    :data:`GENDER_UNKNOWN_TOKENS` (未知, 保密, unknown, U...) and for unreadable values; tell
    the two apart with :func:`is_unknown_gender`.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["男", "F", "Other", "保密", "robot"])
    >>> s.to_frame().select(parse_gender(pl.col("x"))).to_series().to_list()
    ['male', 'female', 'other', None, None]
    """
    return _token(raw).replace_strict(GENDER_TOKENS, default=None, return_dtype=pl.String)


def is_unknown_gender(raw: pl.Expr) -> pl.Expr:
    """True when the value says the gender is not known (未知, 保密, unknown, U...); false for null.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["保密", "Unknown", "robot", None])
    >>> s.to_frame().select(is_unknown_gender(pl.col("x"))).to_series().to_list()
    [True, True, False, False]
    """
    return _token(raw).is_in(sorted(GENDER_UNKNOWN_TOKENS)).fill_null(False)


#: Spellings of a customer type, lower-cased, and the canonical value they mean.
CUSTOMER_TYPE_TOKENS: dict[str, str] = {
    **dict.fromkeys(
        ["个人", "个人客户", "个人用户", "individual", "personal", "person", "consumer", "b2c", "c"],
        "individual",
    ),
    **dict.fromkeys(
        [
            "企业", "企业客户", "企业用户", "公司", "机构", "business", "company", "corporate",
            "b2b", "b", "organisation", "organization",
        ],
        "business",
    ),
}  # fmt: skip


def parse_customer_type(raw: pl.Expr) -> pl.Expr:
    """Map customer-type spellings to ``individual``/``business`` (case-insensitive).

    个人/individual/personal/person/consumer/B2C/C → individual; 企业/公司/机构/business/
    company/corporate/B2B/B/organisation/organization → business. Anything else gives null.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["个人", "B2B", "Company", "alien"])
    >>> s.to_frame().select(parse_customer_type(pl.col("x"))).to_series().to_list()
    ['individual', 'business', 'business', None]
    """
    return _token(raw).replace_strict(CUSTOMER_TYPE_TOKENS, default=None, return_dtype=pl.String)


def is_masked_name(raw: pl.Expr) -> pl.Expr:
    """True for names masked by a platform (containing ``*`` or ``＊``: ``林**``, ``J***``).

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["林**", "J***", "Alice", None])
    >>> s.to_frame().select(is_masked_name(pl.col("x"))).to_series().to_list()
    [True, True, False, False]
    """
    return raw.cast(pl.String).str.contains_any(["*", "＊"]).fill_null(False)


_STATUSES = ("paid", "pending", "refunded", "cancelled")
#: Built-in order-status spellings (lower-cased) of English platforms, Taobao/Tmall, JD and
#: Douyin, and the canonical status they mean.
STATUS_TOKENS: dict[str, str] = {
    # English (Shopify, WooCommerce, marketplaces, ERPs)
    **dict.fromkeys(
        ["paid", "completed", "complete", "success", "shipped", "delivered", "fulfilled"], "paid"
    ),
    **dict.fromkeys(["pending", "unpaid", "awaiting payment", "awaiting_payment"], "pending"),
    **dict.fromkeys(["refunded", "returned", "refund"], "refunded"),
    **dict.fromkeys(["cancelled", "canceled", "closed", "void", "voided"], "cancelled"),
    # Taobao / Tmall
    **dict.fromkeys(
        [
            "交易成功",
            "卖家已发货",
            "等待买家确认收货",
            "等待买家确认",
            "买家已付款",
            "等待卖家发货",
        ],
        "paid",
    ),
    "等待买家付款": "pending",
    "交易关闭": "cancelled",
    # JD
    **dict.fromkeys(["已完成", "完成", "等待出库", "等待收货", "配送中", "已发货"], "paid"),
    "等待付款": "pending",
    **dict.fromkeys(["已取消", "取消", "删除"], "cancelled"),
    # Douyin
    **dict.fromkeys(["待发货", "已支付"], "paid"),
    **dict.fromkeys(["待支付", "待付款"], "pending"),
    "已关闭": "cancelled",
    **dict.fromkeys(["售后完成", "退款成功", "已退款"], "refunded"),
}


def normalize_status(raw: pl.Expr, *, extra: Mapping[str, str] | None = None) -> pl.Expr:
    """Map platform order statuses to ``paid``/``pending``/``refunded``/``cancelled``.

    Case-insensitive and trimmed. The built-in table :data:`STATUS_TOKENS` covers English
    platforms, Taobao/Tmall (交易成功, 卖家已发货, 等待买家付款, 交易关闭...), JD (已完成,
    等待出库, 已取消, 删除...) and Douyin (待发货, 待支付, 已关闭, 售后完成...). A JD value
    marking a deleted order (containing ``删除``, e.g. ``已完成(删除)``) is ``cancelled``.
    ``extra`` adds or overrides spellings (its values must be canonical statuses). Unknown
    values give null.

    Examples
    --------
    >>> import polars as pl
    >>> s = pl.Series("x", ["交易成功", "Canceled", "已完成(删除)", "processing"])
    >>> rule = normalize_status(pl.col("x"), extra={"processing": "paid"})
    >>> s.to_frame().select(rule).to_series().to_list()
    ['paid', 'cancelled', 'cancelled', 'paid']
    """
    table = dict(STATUS_TOKENS)
    for key, value in (extra or {}).items():
        if value not in _STATUSES:
            raise ValueError(
                f"extra status {key!r} maps to {value!r}; map it to one of {list(_STATUSES)}."
            )
        table[key.strip().lower()] = value
    token = _F("token")
    mapped = token.replace_strict(table, default=None, return_dtype=pl.String)
    deleted = token.str.contains("删除", literal=True) & ~token.is_in(list(table))
    out = pl.when(deleted.fill_null(False)).then(pl.lit("cancelled")).otherwise(mapped)
    return _pipeline(raw, {"token": _F("s").str.to_lowercase()}, {"out": out}, out="out")


# --------------------------------------------------------------------------------------------
# Plain-words reasons for quarantine reports
# --------------------------------------------------------------------------------------------

#: Per parser kind: (English, 中文) reason a value could not be read, with an accepted example.
FAILURE_REASONS: dict[str, tuple[str, str]] = {
    "datetime": (
        "not a date/time we can read; write e.g. 2024-01-05 08:26",
        "无法识别的日期时间；请写成 2024-01-05 08:26 这样的格式",
    ),
    "date": (
        "not a date we can read (or not a real date); write e.g. 2024-01-05",
        "无法识别的日期（或日期不存在）；请写成 2024-01-05 这样的格式",
    ),
    "money": (
        "not an amount we can read; write e.g. 1234.50 or ¥1,234.50",
        "无法识别的金额；请写成 1234.50 或 ¥1,234.50 这样的格式",
    ),
    "number": (
        "not a number we can read; write e.g. 3 or 12.5",
        "无法识别的数字；请写成 3 或 12.5 这样的格式",
    ),
    "integer": (
        "not a whole number; write e.g. 3",
        "不是整数；请写成 3 这样的格式",
    ),
    "phone": (
        "not a phone number we can read; write e.g. 13800138000 or +8613800138000",
        "无法识别的电话号码；请写成 13800138000 或 +8613800138000 这样的格式",
    ),
    "email": (
        "not a valid e-mail address; write e.g. name@example.com",
        "无效的电子邮箱地址；请写成 name@example.com 这样的格式",
    ),
    "id": (
        "identifier damaged by scientific notation (e.g. 1.23457E+18); re-export the column as text",
        "编号被科学计数法损坏（如 1.23457E+18）；请将该列按文本格式重新导出",
    ),
    "bool": (
        "not a yes/no value; write e.g. yes, no, 1, 0, 是 or 否",
        "无法识别的是/否值；请写成 yes、no、1、0、是 或 否",
    ),
    "gender": (
        "not a gender we can read; write e.g. male, female, other, 男 or 女",
        "无法识别的性别；请写成 男、女、其他 或 male、female、other",
    ),
    "customer_type": (
        "not a customer type we can read; write individual or business (个人 or 企业)",
        "无法识别的客户类型；请写成 个人 或 企业（individual 或 business）",
    ),
    "status": (
        "not an order status we know; use paid, pending, refunded or cancelled, or map it in the "
        "status map (Import page) or with status_values in the mapping file",
        "无法识别的订单状态；请使用 paid、pending、refunded 或 cancelled，或在导入页的状态映射中为它指定含义，"
        "或在映射文件的 status_values 中添加",
    ),
}
