"""Suppression: who must not be in a campaign file, applied last, to every export, never optional.

:func:`suppress` takes the audience's members with their contacts and consent and removes, **in
this order**, each customer under the first reason that applies (:data:`REASONS`):

1. ``no_consent``: no consent for any of the contact channels the export uses (SMS, e-mail,
   WeChat, phone call). Missing consent counts as no; the one exception is the workspace's
   **soft opt-in** setting (:func:`set_soft_opt_in`): for the purposes listed there, a customer
   who has bought (an existing customer) and never said yes or no counts as yes. An explicit
   "no" is always no. Identifiers whose purpose was not granted are blanked even for customers
   who stay (a Meta audience holds the e-mail hash only of those who accepted e-mail).
2. ``suppression_list``: the customer's id, phone or e-mail is on the workspace's global
   suppression list (:func:`add_to_suppression_list`, e.g. "do not contact" requests).
3. ``no_contact``: no value at all for the granted channels.
4. ``masked_contact``: only masked or virtual numbers / e-mails for them (``138****1234``,
   ``132123457749-1234``, ``a***@x.com``): never exported, never hashed.
5. ``frequency_cap``: contacted by an earlier export (treated group of a direct-contact
   profile) within the cap's days.
6. ``excluded``: on this campaign's own exclusion list (customer ids, phones or e-mails).
7. ``same_household``: only when the export asks for one message per home
   (``one_per_household``): of the customers of one household
   (:func:`cimlab.identity.customer_households`) still in the list after steps 1–6, the one
   with the most purchase days stays (then the smallest customer id), the others go.

No parameter turns step 1 off. The counts by reason go to the app, the CLI's JSON and the audit
log (:mod:`cimlab.act.campaigns`).

Examples
--------
>>> import polars as pl
>>> people = pl.DataFrame({
...     "customer_id": ["a", "b", "c", "d"],
...     "phone": ["+8613800138000", "+8613900139000", None, "+8613700137000"],
...     "masked_phone": [False, False, True, False],
...     "has_purchase": [True, True, True, False],
...     "consent_sms": [True, False, True, None]})
>>> result = suppress(people, identifiers={"phone": ("sms",)})
>>> result.kept["customer_id"].to_list(), result.counts
(['a'], {'no_consent': 2, 'suppression_list': 0, 'no_contact': 0, 'masked_contact': 1, 'frequency_cap': 0, 'excluded': 0, 'same_household': 0})
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cimlab.errors import AudienceError

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "DDL",
    "REASONS",
    "REASON_LABELS",
    "Suppression",
    "add_to_suppression_list",
    "clear_suppression_list",
    "contact_list_template",
    "read_contact_list",
    "set_soft_opt_in",
    "soft_opt_in",
    "suppress",
    "suppression_list",
]

#: The reasons, in the order they are applied.
REASONS: tuple[str, ...] = (
    "no_consent",
    "suppression_list",
    "no_contact",
    "masked_contact",
    "frequency_cap",
    "excluded",
    "same_household",
)
#: What each reason means, in English and 中文.
REASON_LABELS: dict[str, tuple[str, str]] = {
    "no_consent": ("no consent for the channel", "未同意该渠道营销"),
    "suppression_list": ("on the suppression list", "在屏蔽名单中"),
    "no_contact": ("no contact for the channel", "该渠道无联系方式"),
    "masked_contact": ("only masked or virtual contacts", "仅有脱敏或虚拟号码"),
    "frequency_cap": ("contacted within the frequency cap", "频次限制内已联系"),
    "excluded": ("on this campaign's exclusion list", "在本次活动排除名单中"),
    "same_household": ("another customer of the household gets it", "同一家庭已有其他成员收到"),
}
DDL = [
    "CREATE TABLE IF NOT EXISTS suppression_list (kind VARCHAR NOT NULL CHECK (kind IN "
    "('customer_id', 'phone', 'email')), value VARCHAR NOT NULL, reason VARCHAR, "
    "added_at TIMESTAMPTZ NOT NULL, added_by VARCHAR, PRIMARY KEY (kind, value))"
]
_ID = "customer_id"
_SOFT_KEY = "consent_soft_opt_in"
_PURPOSES = ("email", "sms", "wechat", "phone")
#: Identifier columns whose values can be phones or e-mails (matched against lists).
_PHONE, _EMAIL = "phone", "email"


@dataclasses.dataclass(frozen=True)
class Suppression:
    """The outcome of :func:`suppress`: ``kept`` (the rows that may be exported, identifiers
    without consent blanked), ``dropped`` (``customer_id, reason``) and ``counts`` by reason
    (every reason present, in order)."""

    kept: pl.DataFrame
    dropped: pl.DataFrame
    counts: dict[str, int]

    @property
    def suppressed(self) -> int:
        """How many customers were removed."""
        return sum(self.counts.values())

    def rows(self, lang: str = "en") -> pl.DataFrame:
        """``reason, meaning, customers`` for display, in the order applied."""
        index = 1 if lang == "zh" else 0
        return pl.DataFrame(
            {
                "reason": list(REASONS),
                "meaning": [REASON_LABELS[r][index] for r in REASONS],
                "customers": [self.counts[r] for r in REASONS],
            }
        )


def _granted(frame: pl.DataFrame, purposes: Iterable[str], soft: Collection[str]) -> pl.Expr:
    """True where any of ``purposes`` is granted (explicit yes, or soft opt-in of a buyer)."""
    parts = []
    buyer = (
        pl.col("has_purchase").fill_null(False)
        if "has_purchase" in frame.columns
        else pl.lit(False)
    )
    for purpose in purposes:
        if purpose not in _PURPOSES:
            raise AudienceError(
                f"unknown consent purpose {purpose!r}; one of {', '.join(_PURPOSES)}"
            )
        column = f"consent_{purpose}"
        said = pl.col(column) if column in frame.columns else pl.lit(None, pl.Boolean)
        yes = said.fill_null(False)
        if purpose in soft:
            yes = yes | (said.is_null() & buyer)
        parts.append(yes)
    return pl.any_horizontal(parts) if parts else pl.lit(False)


def _listed(frame: pl.DataFrame, listing: pl.DataFrame | None) -> pl.Expr:
    """True where the customer's id, phone or e-mail is in ``listing`` (``kind, value``)."""
    if listing is None or listing.is_empty():
        return pl.lit(False)
    hit = pl.lit(False)
    for kind, column in ((_ID, _ID), ("phone", _PHONE), ("email", _EMAIL)):
        values = listing.filter(pl.col("kind") == kind)["value"].to_list()
        if values and column in frame.columns:
            value = pl.col(column).cast(pl.String)
            if kind == "email":
                value = value.str.strip_chars().str.to_lowercase()
            hit = hit | value.is_in(values).fill_null(False)
    return hit


def suppress(
    candidates: pl.DataFrame,
    *,
    identifiers: Mapping[str, Iterable[str]],
    soft: Collection[str] = (),
    listed: pl.DataFrame | None = None,
    contacted: Collection[str] = (),
    excluded: pl.DataFrame | None = None,
    one_per_household: bool = False,
) -> Suppression:
    """Apply the suppression steps (module docstring) to ``candidates``.

    ``candidates``: one row per customer, ``customer_id``, the identifier columns, optional
    ``masked_<column>`` flags (True: the customer has only masked/virtual values there),
    ``has_purchase`` and ``consent_<purpose>`` columns (True / False / null). ``identifiers``:
    each identifier column the export writes and the consent purposes that allow it
    (``{"phone": ("sms",)}``). ``soft``: purposes under soft opt-in. ``listed``: the global
    suppression list (``kind, value``); ``contacted``: ids within the frequency cap;
    ``excluded``: this campaign's exclusion list (``kind, value``). ``one_per_household``:
    one customer per ``household_id`` (a column of ``candidates``; null: no household), the
    one with the most ``purchase_days`` (then the smallest id).
    """
    if not identifiers:
        raise AudienceError("an export needs at least one contact identifier")
    if candidates[_ID].is_duplicated().any():
        raise AudienceError("candidates must hold one row per customer")
    frame = candidates
    grants = {c: f"__granted_{c}" for c in identifiers}
    frame = frame.with_columns(
        _granted(frame, purposes, soft).alias(grants[c]) for c, purposes in identifiers.items()
    )
    steps: list[tuple[str, pl.Expr]] = []
    any_granted = pl.any_horizontal([pl.col(g) for g in grants.values()])
    steps.append(("no_consent", ~any_granted))
    steps.append(("suppression_list", _listed(frame, listed)))
    usable = []
    masked = []
    for column, grant in grants.items():
        value = pl.col(column) if column in frame.columns else pl.lit(None, pl.String)
        flag = f"masked_{column}"
        is_masked = pl.col(flag).fill_null(False) if flag in frame.columns else pl.lit(False)
        usable.append(pl.col(grant) & value.is_not_null())
        masked.append(pl.col(grant) & value.is_null() & is_masked)
    any_usable = pl.any_horizontal(usable)
    steps.append(("no_contact", ~any_usable & ~pl.any_horizontal(masked)))
    steps.append(("masked_contact", ~any_usable))
    steps.append(("frequency_cap", pl.col(_ID).is_in(list(contacted))))
    steps.append(("excluded", _listed(frame, excluded)))
    reason = pl.lit(None, pl.String)
    for name, condition in reversed(steps):
        reason = pl.when(condition).then(pl.lit(name)).otherwise(reason)
    frame = frame.with_columns(__reason=reason)
    if one_per_household:
        if "household_id" not in frame.columns:
            raise AudienceError("one message per home needs the candidates' household_id")
        days = pl.col("purchase_days") if "purchase_days" in frame.columns else pl.lit(0)
        frame = frame.with_columns(__days=days.fill_null(0))
        home = pl.col("household_id")
        first = (
            frame.filter(pl.col("__reason").is_null() & home.is_not_null())
            .sort(["__days", _ID], descending=[True, False])
            .unique("household_id", keep="first")
            .select(_ID)
        )
        later = (
            home.is_not_null()
            & pl.col("__reason").is_null()
            & ~pl.col(_ID).is_in(first[_ID].implode())
        )
        frame = frame.with_columns(
            __reason=pl.when(later).then(pl.lit("same_household")).otherwise("__reason")
        ).drop("__days")
    dropped = frame.filter(pl.col("__reason").is_not_null()).select(_ID, reason=pl.col("__reason"))
    kept = frame.filter(pl.col("__reason").is_null()).with_columns(
        pl.when(pl.col(grant)).then(pl.col(column)).otherwise(None).alias(column)
        for column, grant in grants.items()
        if column in frame.columns
    )
    kept = kept.drop("__reason", *grants.values())
    tally = dict(dropped["reason"].value_counts().iter_rows()) if dropped.height else {}
    counts = {r: int(tally.get(r, 0)) for r in REASONS}
    return Suppression(kept=kept, dropped=dropped, counts=counts)


# ------------------------------------------------------------------------------------------------
# Workspace: the global suppression list and the soft opt-in setting
# ------------------------------------------------------------------------------------------------


def read_contact_list(source: str | Path | bytes, *, name: str = "list.csv") -> pl.DataFrame:
    """``kind, value`` rows of a CSV with any of the columns ``customer_id``, ``phone``,
    ``email`` (phones to E.164, e-mails lower-cased; a value that is not a valid phone or e-mail
    is an error naming its line, never silently skipped)."""
    from cimlab.ingest.reading import read_bytes

    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not isinstance(source, bytes):
        name = Path(source).name
    table = read_bytes(data, name=name).frame
    headers = {c.strip().lower(): c for c in table.columns}
    kinds = [k for k in (_ID, "phone", "email") if k in headers]
    if not kinds:
        raise AudienceError(
            f"{name}: no customer_id, phone or email column (found {', '.join(table.columns)})"
        )
    from cimlab.ingest.parsing import normalize_email, normalize_phone
    from cimlab.privacy import mask_value

    parts = []
    for kind in kinds:
        raw = table.select(
            line=pl.int_range(2, table.height + 2),
            raw=pl.col(headers[kind]).cast(pl.String).str.strip_chars(),
        ).filter(pl.col("raw").is_not_null() & (pl.col("raw") != ""))
        normal = {"phone": normalize_phone, "email": normalize_email}.get(kind)
        value = normal(pl.col("raw")) if normal else pl.col("raw")
        raw = raw.with_columns(kind=pl.lit(kind), value=value)
        bad = raw.filter(pl.col("value").is_null())
        if bad.height:
            line, text = bad.row(0)[:2]
            raise AudienceError(
                f"{name}, line {line}, column {kind}: {mask_value(kind, text)!r} is not a valid "
                f"{kind}; correct or remove it and try again"
            )
        parts.append(raw.select("kind", "value"))
    return pl.concat(parts).unique(maintain_order=True)


def contact_list_template() -> bytes:
    """The CSV template of a suppression or exclusion list: the headers ``customer_id, phone,
    email`` (fill any of them), UTF-8 with BOM.

    >>> contact_list_template().decode("utf-8-sig")
    'customer_id,phone,email\\n'
    """
    from cimlab.export import table_bytes

    columns = {"customer_id": pl.String, "phone": pl.String, "email": pl.String}
    return table_bytes(pl.DataFrame(schema=columns), "csv")


def add_to_suppression_list(
    ws: Workspace, entries: pl.DataFrame, *, reason: str = "", user: str | None = None
) -> int:
    """Add ``kind, value`` entries (:func:`read_contact_list`) to the workspace's suppression
    list; returns how many were new.

    In an encrypted workspace the values are stored encrypted (:mod:`cimlab.encryption`):
    the entries already listed are decrypted to leave out the repeated ones.
    """
    ws.ensure_tables(DDL)
    at = dt.datetime.now(dt.UTC)
    by = user if user is not None else _user()
    with ws.transaction() as con:
        new = entries.select(pl.col("kind", "value").cast(pl.String)).unique(maintain_order=True)
        if ws.cipher is not None:  # random nonces: the primary key no longer sees repeats
            stored = con.sql("SELECT kind, value FROM suppression_list").pl()
            listed = ws.decrypt(stored.cast(pl.String), "suppression_list")
            new = new.join(listed, on=["kind", "value"], how="anti", maintain_order="left")
            new = ws.cipher.seal_frame(new, table="suppression_list")
        before = con.execute("SELECT count(*) FROM suppression_list").fetchone()
        rows = [(k, v, reason or None, at, by) for k, v in new.rows()]
        if rows:
            con.executemany(
                "INSERT INTO suppression_list VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows
            )
        after = con.execute("SELECT count(*) FROM suppression_list").fetchone()
    return int(after[0] if after else 0) - int(before[0] if before else 0)


def suppression_list(ws: Workspace) -> pl.DataFrame:
    """The workspace's suppression list: ``kind, value, reason, added_at, added_by``."""
    if not ws.has_table("suppression_list"):
        return pl.DataFrame(
            schema={
                "kind": pl.String,
                "value": pl.String,
                "reason": pl.String,
                "added_at": pl.Datetime("us", "UTC"),
                "added_by": pl.String,
            }
        )
    listing = ws.decrypt(
        ws.query("SELECT * FROM suppression_list ORDER BY added_at, kind, value"),
        "suppression_list",
    )
    return listing.sort("added_at", "kind", "value", maintain_order=True)


def clear_suppression_list(ws: Workspace) -> int:
    """Empty the suppression list; returns how many entries it held."""
    if not ws.has_table("suppression_list"):
        return 0
    with ws.transaction() as con:
        count = con.execute("SELECT count(*) FROM suppression_list").fetchone()
        con.execute("DELETE FROM suppression_list")
    return int(count[0] if count else 0)


def soft_opt_in(ws: Workspace) -> tuple[str, ...]:
    """The purposes under soft opt-in (missing consent of an existing customer counts as yes)."""
    rows = ws.rows("SELECT value FROM meta WHERE key = ?", [_SOFT_KEY])
    if not rows:
        return ()
    return tuple(json.loads(rows[0][0]))


def set_soft_opt_in(ws: Workspace, purposes: Iterable[str]) -> tuple[str, ...]:
    """Set the soft opt-in purposes (empty: missing consent is always no, the default)."""
    chosen = tuple(dict.fromkeys(purposes))
    bad = [p for p in chosen if p not in _PURPOSES]
    if bad:
        raise AudienceError(f"unknown consent purpose {bad[0]!r}; one of {', '.join(_PURPOSES)}")
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_SOFT_KEY])
        if chosen:
            con.execute("INSERT INTO meta VALUES (?, ?)", [_SOFT_KEY, json.dumps(list(chosen))])
    return chosen


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
