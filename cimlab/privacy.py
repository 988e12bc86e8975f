"""Masking of personal data (phones, e-mails, names) for messages, logs, previews and reports.

Two shapes of every rule: a scalar function for one value (error messages, quarantine
reasons) and a vectorised Polars twin for whole columns (previews, exports of reports). Both
give the same answer for the same input.

- phone: CN mobiles keep the first 3 and last 4 digits (``138****8000``); other international
  numbers keep the country code and the last 4 digits (``+44 ****1234``); anything else keeps
  the last 4 digits (``****5678``); values already masked by a platform stay as they are.
- e-mail: the first character of the local part and the domain (``a***@example.com``).
- name: the first character and two stars (``张**``, ``A**``), hiding the length.

:func:`scrub_text` is the one scrubber of free text (every log record, audit reason and error
message): e-mail addresses, phone numbers of every region (Google's libphonenumber matcher) and
CN resident identity numbers; :func:`scrub_text_expr` is its Polars twin. :func:`mask_value`
masks by column name (falling back to :func:`scrub_text`). Importing this module puts
:class:`ScrubFilter` on the ``cimlab`` logger (:func:`install_log_scrubber`).

Examples
--------
>>> mask_value("phone", "+8613800138000")
'138****8000'
>>> scrub_text("row 7: bob@example.com / 13800138000 rejected")
'row 7: b***@example.com / 138****8000 rejected'
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import unicodedata
from typing import TYPE_CHECKING

# Polars and the phone matcher load when a function needs them: importing this module (which
# every `import cimlab` does, to scrub its logs) stays cheap.
if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "PII_COLUMNS",
    "SCRUB_REGIONS",
    "ScrubFilter",
    "install_log_scrubber",
    "is_resident_id",
    "mask_email",
    "mask_email_expr",
    "mask_name",
    "mask_name_expr",
    "mask_phone",
    "mask_phone_expr",
    "mask_value",
    "redact_text",
    "scrub_text",
    "scrub_text_expr",
]

#: Canonical columns holding personal data; :func:`mask_value` masks them by kind.
PII_COLUMNS: frozenset[str] = frozenset({"phone", "email", "name", "customer_name"})

# ITU-T E.164 country codes are prefix-free: 1 and 7 have one digit, these have two, the
# rest three.
_COUNTRY_CODE = r"^(1|7|2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58]|[0-9]{3})"
_CN_MOBILE = r"^(?:86)?(1[3-9][0-9]{9})$"
_COUNTRY_CODE_RE = re.compile(_COUNTRY_CODE)
_CN_MOBILE_RE = re.compile(_CN_MOBILE)
_WHITESPACE_RE = re.compile(r"\s+")
_NON_DIGIT_RE = re.compile(r"[^0-9]")
_STARS = ("*", "＊")


def mask_email(s: str | None) -> str | None:
    """Keep the first character of the local part and the domain: ``a***@example.com``.

    A value without ``@`` keeps only its first character (``n***``); the last ``@`` splits
    local part from domain.

    Examples
    --------
    >>> mask_email("alice@example.com")
    'a***@example.com'
    >>> mask_email(None) is None
    True
    """
    if s is None:
        return None
    t = s.strip()
    if not t:
        return ""
    local, at, domain = t.rpartition("@")
    if not at:
        return t[:1] + "***"
    return local[:1] + "***@" + domain


def mask_phone(s: str | None) -> str | None:
    """Mask a phone number, whatever its spelling.

    CN mobiles (``13800138000``, ``+86 138 0013 8000``) → ``138****8000``; other numbers
    starting with ``+`` or ``00`` → country code and last 4 digits (``+44 ****0958``); other
    numbers with at least 7 digits → ``****`` and the last 4 digits; shorter ones → ``****``.
    Values already masked by a platform (containing ``*``) are returned with spaces removed; a
    value with ``@`` in it is masked as an e-mail.

    Examples
    --------
    >>> mask_phone("+8613800138000")
    '138****8000'
    >>> mask_phone("+44 20 7946 0958")
    '+44 ****0958'
    >>> mask_phone("138****1234")
    '138****1234'
    """
    if s is None:
        return None
    t = _WHITESPACE_RE.sub("", s)
    if any(star in t for star in _STARS):
        return t.replace("＊", "*")
    if "@" in t:
        return mask_email(t)
    international = t.startswith(("+", "00"))
    digits = _NON_DIGIT_RE.sub("", t)
    if t.startswith("00"):
        digits = digits[2:]
    mobile = _CN_MOBILE_RE.match(digits)
    if mobile and (not international or digits.startswith("86")):
        number = mobile.group(1)
        return number[:3] + "****" + number[-4:]
    if international and len(digits) >= 7:
        code = _COUNTRY_CODE_RE.match(digits)
        assert code is not None  # seven digits always start with a code of 1-3 digits
        return f"+{code.group(1)} ****{digits[-4:]}"
    if len(digits) >= 7:
        return "****" + digits[-4:]
    return "****"


def mask_name(s: str | None) -> str | None:
    """Keep the first character and add two stars: ``张三丰`` → ``张**``, ``Alice Wong`` → ``A**``.

    Examples
    --------
    >>> mask_name("张三丰"), mask_name("Alice Wong"), mask_name("林**")
    ('张**', 'A**', '林**')
    """
    if s is None:
        return None
    t = s.strip()
    return t[:1] + "**" if t else ""


def _keep_name(result: pl.Expr, expr: pl.Expr) -> pl.Expr:
    name = expr.meta.output_name(raise_if_undetermined=False)
    return result.alias(name) if name else result


def mask_email_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`mask_email`.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"email": ["alice@example.com", "bob", None]})
    >>> frame.select(mask_email_expr(pl.col("email")))["email"].to_list()
    ['a***@example.com', 'b***', None]
    """
    import polars as pl

    t = expr.str.strip_chars()
    local = t.str.extract(r"(?s)^(.*)@[^@]*$", 1)
    domain = t.str.extract(r"(?s)@([^@]*)$", 1)
    masked = (
        pl.when(t.str.contains("@", literal=True))
        .then(local.str.slice(0, 1) + "***@" + domain)
        .when(t.str.len_chars() == 0)
        .then(pl.lit(""))
        .otherwise(t.str.slice(0, 1) + "***")
    )
    return _keep_name(masked, expr)


def mask_phone_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`mask_phone`.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"phone": ["+8613800138000", "+44 20 7946 0958", "138****1234", None]})
    >>> frame.select(mask_phone_expr(pl.col("phone")))["phone"].to_list()
    ['138****8000', '+44 ****0958', '138****1234', None]
    """
    import polars as pl

    t = expr.str.replace_all(r"\s+", "")
    international = t.str.starts_with("+") | t.str.starts_with("00")
    all_digits = t.str.replace_all(r"[^0-9]", "")
    digits = pl.when(t.str.starts_with("00")).then(all_digits.str.slice(2)).otherwise(all_digits)
    mobile = digits.str.extract(_CN_MOBILE, 1)
    is_cn = mobile.is_not_null() & (~international | digits.str.starts_with("86"))
    n_digits = digits.str.len_chars()
    masked = (
        pl.when(t.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(t.str.contains_any(list(_STARS)))
        .then(t.str.replace_all("＊", "*", literal=True))
        .when(t.str.contains("@", literal=True))
        .then(mask_email_expr(t))
        .when(is_cn)
        .then(mobile.str.slice(0, 3) + "****" + mobile.str.slice(-4))
        .when(international & (n_digits >= 7))
        .then("+" + digits.str.extract(_COUNTRY_CODE, 1) + " ****" + digits.str.slice(-4))
        .when(n_digits >= 7)
        .then("****" + digits.str.slice(-4))
        .otherwise(pl.lit("****"))
    )
    return _keep_name(masked, expr)


def mask_name_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`mask_name`.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"name": ["张三丰", "Alice Wong", None]})
    >>> frame.select(mask_name_expr(pl.col("name")))["name"].to_list()
    ['张**', 'A**', None]
    """
    import polars as pl

    t = expr.str.strip_chars()
    masked = pl.when(t.str.len_chars() == 0).then(pl.lit("")).otherwise(t.str.slice(0, 1) + "**")
    return _keep_name(masked, expr)


# ------------------------------------------------------------------------ the one scrubber

#: Regions whose national number formats :func:`scrub_text` reads; numbers written with ``+``
#: or ``00`` and a country code are found whatever the region.
SCRUB_REGIONS: tuple[str, ...] = ("CN", "US", "GB", "HK")

# Full-width and other non-ASCII forms of the characters the rules read, one for one (so a match
# in the folded text has the same position in the original).
_FOLD = str.maketrans("＋＠－（）　．Ｘｘ", "+@-() .Xx")
# A token with an ``@`` in it, up to ASCII or CJK punctuation: e-mails, malformed ones too.
_STOP = r"\s,;:'\"<>()\[\]{}，；：。、（）【】《》「」“”‘’！？"
_AT_TOKEN = re.compile(rf"[^{_STOP}]*@[^{_STOP}]*")
# 18-digit resident identity numbers (last character a digit or the checksum X) and 15-digit
# ones from before 1999; checked further by province, birth date and checksum.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9](?:[0-9]{16}[0-9Xx]|[0-9]{14})(?![0-9A-Za-z])")
# GB/T 2260 province codes, and 81-83 of the residence permits of HK, Macao and Taiwan people
_ID_PROVINCES = frozenset(
    (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66))
) | {71, 81, 82, 83}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# CN mobiles (also glued to text, as in ``13800138000x``) and any number after ``+``/``00``,
# for what the matcher leaves out (numbers it does not know as valid).
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z+])"
    r"(?:"
    r"(?:(?:\+|00)?86[\s\-]?)?1[3-9][0-9](?:[\s\-]?[0-9]){8}"  # CN mobile, +86 optional
    r"|(?:\+|00)[1-9][0-9](?:[\s\-]?[0-9]){5,13}"  # any international number
    r")"
    r"(?![0-9])"
)
# with ``digits``: a whole field of digits, spaces and dashes (fields split by , ; | tab or space)
_DIGIT_RUN = re.compile(r"(?<![^\s,;|])\+?[0-9][0-9 \-]{5,}[0-9](?![^\s,;|])")
_DATE_START = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?![0-9])")
# amounts: a number with one decimal point, or a match that a decimal point continues
_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_POINT_BEFORE = re.compile(r"[0-9]\.")
_POINT_AFTER = re.compile(r"\.[0-9]")
_MIN_DIGITS = 6  # no rule matches text with fewer digits and no ``@``
# Parts of a text between separators no phone number holds: on a whole line the matcher can
# take two numbers around a ``/`` for one candidate and then find neither.
_PART = re.compile(r"[^/,;|\n\t，；、。]+")  # not ":": the matcher needs "08:26" to skip times


def _fold(text: str) -> str:
    """``text`` with full-width ``＋＠－（）Ｘ`` and every Unicode decimal digit in ASCII, same length."""
    if text.isascii():
        return text
    folded = text.translate(_FOLD)
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in folded
    )


def is_resident_id(value: str) -> bool:
    """Whether ``value`` is a well-formed CN resident identity number (18 or 15 digits).

    Checks the province code, the birth date and, for 18 digits, the ISO 7064 MOD 11-2
    checksum (last character 0-9 or ``X``). An order id of 18 digits fails at least one of them
    in almost every case, so it is not taken for an identity number.

    Examples
    --------
    >>> is_resident_id("11010519491231002X"), is_resident_id("110105491231002")
    (True, True)
    >>> is_resident_id("110105194912310021")  # wrong checksum
    False
    >>> is_resident_id("910000000000000001")  # an order id
    False
    """
    value = value.upper()
    if len(value) == 18 and value[:17].isdigit():
        year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
        total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
        if "10X98765432"[total % 11] != value[17]:
            return False
    elif len(value) == 15 and value.isdigit():
        year, month, day = 1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])
    else:
        return False
    if int(value[:2]) not in _ID_PROVINCES or year < 1900:
        return False
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _mask_id(value: str) -> str:
    return "*" * (len(value) - 4) + value[-4:].upper()


def _mask_digit_run(text: str) -> str | None:
    if _DATE_START.match(text) or not 7 <= sum(c.isdigit() for c in text) <= 15:
        return None  # a date, a short number or a long id (E.164 has at most 15 digits)
    return mask_phone(text)


@functools.lru_cache(maxsize=8192)
def _scrub(text: str, digits: bool) -> str:
    folded = _fold(text)
    if "@" not in folded and sum(c.isdigit() for c in folded) < _MIN_DIGITS:
        return text
    spans: list[tuple[int, int, str]] = []

    def claim(start: int, end: int, replacement: str | None) -> None:
        if replacement is not None and not any(s < end and start < e for s, e, _ in spans):
            spans.append((start, end, replacement))

    for m in _AT_TOKEN.finditer(folded):
        if m.group(0).strip("@"):
            claim(m.start(), m.end(), mask_email(m.group(0)))
    for m in _ID_NUMBER.finditer(folded):
        if is_resident_id(m.group(0)):
            claim(m.start(), m.end(), _mask_id(m.group(0)))
    phones = {(m.start(), m.end()) for m in _PHONE_IN_TEXT.finditer(folded)}
    import phonenumbers

    # VALID: a number the metadata knows for its region (not just a possible length), written
    # with its national prefix where that region's numbers carry one: few false positives.
    leniency = phonenumbers.Leniency.VALID
    for part in _PART.finditer(folded):  # the matcher reads one part at a time (see _PART)
        if sum(c.isdigit() for c in part.group(0)) >= _MIN_DIGITS:
            for region in SCRUB_REGIONS:
                matcher = phonenumbers.PhoneNumberMatcher(part.group(0), region, leniency=leniency)
                phones.update((part.start() + m.start, part.start() + m.end) for m in matcher)
    for start, end in sorted(phones, key=lambda span: (span[0], -span[1])):
        number = folded[start:end]
        before, after = folded[max(start - 2, 0) : start], folded[end : end + 2]
        if (
            _DECIMAL.fullmatch(number)
            or _POINT_BEFORE.fullmatch(before)
            or _POINT_AFTER.fullmatch(after)
        ):
            continue  # an amount such as 61234567.00, or part of one
        start += len(number) - len(number.lstrip())
        end -= len(number) - len(number.rstrip())
        claim(start, end, mask_phone(number))
    if digits:
        for m in _DIGIT_RUN.finditer(folded):
            claim(m.start(), m.end(), _mask_digit_run(m.group(0)))
    out, last = [], 0
    for start, end, replacement in sorted(spans):
        out.append(text[last:start] + replacement)
        last = end
    return "".join(out) + text[last:]


def scrub_text(text: str, *, digits: bool = False) -> str:
    """Mask the personal data found inside free text: the one scrubber of every log, audit
    record and error message.

    Rules, in this order (a part of the text is masked by the first rule that claims it):

    1. e-mail addresses, malformed ones too (``alice@@example.com``): every token holding an
       ``@`` → :func:`mask_email`;
    2. CN resident identity numbers, 18 digits (checksum letter ``X``) or 15, that pass
       :func:`is_resident_id` → ``**************002X``;
    3. phone numbers → :func:`mask_phone`: what :class:`phonenumbers.PhoneNumberMatcher` finds as
       a valid number for any of :data:`SCRUB_REGIONS` (CN, US, GB, HK national formats, and
       international numbers after ``+`` or ``00``), plus CN mobiles glued to other text
       (``13800138000x``) and any ``+``/``00`` number of 7-15 digits;
    4. with ``digits`` (raw rows, whose columns are unknown): every field of 7 to 15 digits
       (with spaces or dashes), dates excepted.

    Full-width digits (``１３９１２３４５６７８``) and signs are read like ASCII. Kept: dates,
    times, amounts (``61234567.00``, ``¥13800.50``), ids with letters (``A13800138000``), numbers already masked, and long
    order ids (18-19 digits, ``9100000000000000001``): no valid phone number has so many
    digits, and an 18-digit id that fails the identity-number checks stays. Short numbers
    that are valid phone numbers (8 digits for Hong Kong, 10 for the US) are masked: in free
    text they cannot be told apart, and a hidden id costs less than a shown phone.

    Examples
    --------
    >>> scrub_text("call +1 415 555 2671 or (139)12345678, mail alice@@example.com")
    'call +1 ****2671 or 139****5678, mail a***@example.com'
    >>> scrub_text("ID 11010519491231002X, tel 010-88886666, order 9100000000000000001")
    'ID **************002X, tel ****6666, order 9100000000000000001'
    >>> scrub_text("A1,2024-01-08,7654321", digits=True)
    'A1,2024-01-08,****4321'
    """
    return _scrub(text, digits) if text else text


redact_text = scrub_text
"""The former name of :func:`scrub_text` (kept for callers)."""


def scrub_text_expr(expr: pl.Expr, *, digits: bool = False) -> pl.Expr:
    """Vectorised :func:`scrub_text`: the scalar scrubber applied once to each distinct value.

    The phone matcher has no Polars form; text columns shown or logged hold few distinct
    values, so each is scrubbed once and the column is mapped from the results.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"note": ["call 13800138000", "call 13800138000", "ok", None]})
    >>> frame.select(scrub_text_expr(pl.col("note")))["note"].to_list()
    ['call 138****8000', 'call 138****8000', 'ok', None]
    """
    import polars as pl

    def scrub(values: pl.Series) -> pl.Series:
        distinct = values.drop_nulls().unique()
        scrubbed = pl.Series([scrub_text(v, digits=digits) for v in distinct], dtype=pl.String)
        return values.replace(distinct, scrubbed)

    result = expr.cast(pl.String).map_batches(scrub, return_dtype=pl.String, is_elementwise=True)
    return _keep_name(result, expr)


class ScrubFilter(logging.Filter):
    """A :class:`logging.Filter` that scrubs each record's message, arguments, traceback and
    stack text with :func:`scrub_text` (it never drops a record).

    :func:`install_log_scrubber` puts it on the ``cimlab`` logger, for every record logged
    there or below.

    Examples
    --------
    >>> import logging
    >>> record = logging.LogRecord("cimlab.x", logging.INFO, "", 0, "phone %s", ("13800138000",), None)
    >>> ScrubFilter().filter(record), record.getMessage()
    (True, 'phone 138****8000')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "cimlab_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep both, scrubbed
            message = f"{record.msg} {record.args}"
        record.msg, record.args = scrub_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        record.cimlab_scrubbed = True
        return True


class _ScrubHandler(logging.Handler):
    """First handler of the ``cimlab`` logger: scrubs records logged below it (``cimlab.x``),
    which a logger's own filters never see, before any other handler up the chain does."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.addFilter(ScrubFilter())

    def emit(self, record: logging.LogRecord) -> None:
        # Without this handler, logging would print through ``lastResort`` when no handler is
        # configured; keep doing so.
        last = logging.lastResort
        if last is not None and record.levelno >= last.level and not self._others(record):
            last.handle(record)

    def _others(self, record: logging.LogRecord) -> bool:
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self for h in logger.handlers):
                return True
            logger = logger.parent if logger.propagate else None
        return False


def install_log_scrubber(name: str = "cimlab") -> logging.Logger:
    """Scrub every record of logger ``name`` and its children (idempotent); returns the logger.

    Runs when :mod:`cimlab.privacy` is imported (so whenever ``cimlab`` is).
    """
    logger = logging.getLogger(name)
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())
    if not any(isinstance(h, _ScrubHandler) for h in logger.handlers):
        logger.handlers.insert(0, _ScrubHandler())
    return logger


def mask_value(column: str, value: str | None) -> str | None:
    """Mask ``value`` by the kind of ``column``; other columns get :func:`scrub_text`.

    ``phone`` → :func:`mask_phone`, ``email`` → :func:`mask_email`, ``name`` and
    ``customer_name`` → :func:`mask_name` (see :data:`PII_COLUMNS`).

    Examples
    --------
    >>> mask_value("email", "alice@example.com"), mask_value("name", "张三丰")
    ('a***@example.com', '张**')
    >>> mask_value("note", "call me on 13800138000")
    'call me on 138****8000'
    """
    if value is None:
        return None
    if column == "phone":
        return mask_phone(value)
    if column == "email":
        return mask_email(value)
    if column in ("name", "customer_name"):
        return mask_name(value)
    return scrub_text(value)


install_log_scrubber()
