"""Masking of personal data (phones, e-mails, names) for messages, logs, previews and reports.

Two shapes of every rule: a scalar function for one value (error messages, quarantine
reasons) and a vectorised Polars twin for whole columns (previews, exports of reports). Both
give the same answer for the same input.

- phone: CN mobiles keep the first 3 and last 4 digits (``138****8000``); other international
  numbers keep the country code and the last 4 digits (``+44 ****1234``); anything else keeps
  the last 4 digits (``****5678``); values already masked by a platform stay as they are.
- e-mail: the first character of the local part and the domain (``a***@example.com``).
- name: the first character and two stars (``张**``, ``A**``), hiding the length.

:func:`redact_text` masks phone numbers and e-mail addresses found inside free text, and
:func:`mask_value` masks by column name (falling back to :func:`redact_text`).

Examples
--------
>>> mask_value("phone", "+8613800138000")
'138****8000'
>>> redact_text("row 7: bob@example.com / 13800138000 rejected")
'row 7: b***@example.com / 138****8000 rejected'
"""

from __future__ import annotations

import re

import polars as pl

__all__ = [
    "PII_COLUMNS",
    "mask_email",
    "mask_email_expr",
    "mask_name",
    "mask_name_expr",
    "mask_phone",
    "mask_phone_expr",
    "mask_value",
    "redact_text",
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
    t = expr.str.strip_chars()
    masked = pl.when(t.str.len_chars() == 0).then(pl.lit("")).otherwise(t.str.slice(0, 1) + "**")
    return _keep_name(masked, expr)


_EMAIL_IN_TEXT = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z+])"
    r"(?:"
    r"(?:(?:\+|00)?86[\s\-]?)?1[3-9][0-9](?:[\s\-]?[0-9]){8}"  # CN mobile, +86 optional
    r"|(?:\+|00)[1-9][0-9](?:[\s\-]?[0-9]){5,13}"  # any international number
    r")"
    r"(?![0-9])"
)


def redact_text(text: str) -> str:
    """Mask the e-mail addresses and phone numbers found inside free text.

    Finds e-mail addresses, CN mobiles (with or without ``+86``/``0086``, spaces or dashes
    between digit groups) and international numbers starting with ``+`` or ``00``; masks them
    with :func:`mask_email` and :func:`mask_phone`. Numbers already masked and longer digit
    runs (order ids, timestamps) are left alone.

    Examples
    --------
    >>> redact_text("cannot read phone '+86 138 0013 8000' for alice@example.com")
    "cannot read phone '138****8000' for a***@example.com"
    """
    masked = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)) or "", text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)) or "", masked)


def mask_value(column: str, value: str | None) -> str | None:
    """Mask ``value`` by the kind of ``column``; other columns get :func:`redact_text`.

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
    return redact_text(value)
