"""Campaign exports: audience → members → suppression → control group → profile file → audit row.

:func:`export_audience` is the one way a campaign list leaves cimlab (the app, the CLI and
notebooks call it):

1. the audience's members (:func:`cimlab.act.audiences.members` on
   :func:`cimlab.act.attributes.customer_attributes` at ``as_of``);
2. their contacts: the golden record's name, e-mail and phone (E.164, never a masked or
   virtual number), country (ISO-2, from the record or the phone's calling code), city and
   region; WeChat ids from the source records of ``wechat*`` channels (openid) and ``wecom*``
   channels (external user id); whether they have masked numbers or e-mails only; consent;
3. suppression (:mod:`cimlab.act.suppression`), in its fixed order, with counts by reason;
4. with ``control`` > 0, a seeded control group (:func:`cimlab.act.uplift.assign_control`,
   stratified by RFM segment) is drawn from the customers left and kept out of the file;
5. the profile's file(s) (:mod:`cimlab.act.profiles`), written through
   :func:`cimlab.export.write_bytes` (atomic, never inside a workspace);
6. the audit row (table ``campaign_exports``: when, who, the audience and its rule version,
   profile, channel, counts, suppressed by reason, control size, seed, the files' names,
   rows and SHA-256 — never a phone, e-mail or name) and every customer's group (table
   ``campaign_members``: ``export_id, customer_id, grp``) for the frequency cap and the uplift
   readout (:func:`campaign_uplift`).

If writing a file fails nothing is logged and no file is left; if logging fails the files
written are removed: an export is in the log exactly when its files exist.

**Frequency cap**: customers in an export of a direct-contact profile (every profile but the
hashed ad audiences) in the last ``cap_days`` days are suppressed (``frequency_cap``): the
treated ones were contacted, and the control ones are kept out too, so that another campaign
does not spoil their holdout; ``cap_days`` defaults to the workspace setting
(:func:`set_frequency_cap`, :data:`DEFAULT_CAP_DAYS` days when unset), 0 turns the cap off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import hashlib
import json
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cimlab.act.attributes import customer_attributes
from cimlab.act.audiences import Audience, load_audience, members
from cimlab.act.suppression import (
    Suppression,
    soft_opt_in,
    suppress,
    suppression_list,
)
from cimlab.errors import AudienceError

if TYPE_CHECKING:
    from cimlab.act.uplift import UpliftReadout
    from cimlab.analytics.facts import CustomerData
    from cimlab.workspace import Workspace

__all__ = [
    "CHANNELS",
    "DDL",
    "DEFAULT_CAP_DAYS",
    "GENERIC_PROFILES",
    "AudiencePreview",
    "ExportResult",
    "all_contacts",
    "campaign_log",
    "campaign_members",
    "campaign_uplift",
    "contact_rows",
    "export_audience",
    "frequency_cap",
    "preview_audience",
    "set_frequency_cap",
]

DDL = [
    "CREATE TABLE IF NOT EXISTS campaign_exports (export_id INTEGER PRIMARY KEY, "
    "exported_at TIMESTAMPTZ NOT NULL, user_name VARCHAR, audience VARCHAR NOT NULL, "
    "audience_version INTEGER NOT NULL, audience_yaml VARCHAR NOT NULL, profile VARCHAR NOT NULL, "
    "channel VARCHAR, as_of DATE NOT NULL, members BIGINT NOT NULL, suppressed BIGINT NOT NULL, "
    "suppressed_by_reason VARCHAR NOT NULL, control BIGINT NOT NULL, control_share DOUBLE NOT NULL, "
    "seed BIGINT NOT NULL, exported BIGINT NOT NULL, files VARCHAR NOT NULL, "
    "direct_contact BOOLEAN NOT NULL)",
    "CREATE TABLE IF NOT EXISTS campaign_members (export_id INTEGER NOT NULL, "
    "customer_id VARCHAR NOT NULL, grp VARCHAR NOT NULL CHECK (grp IN ('treated', 'control')))",
]
#: Frequency cap in days when the workspace has no setting.
DEFAULT_CAP_DAYS = 7
_CAP_KEY = "campaign_frequency_cap_days"
#: A campaign's contact channel: the identifier column(s) it writes and the consent purpose.
CHANNELS: dict[str, dict[str, tuple[str, ...]]] = {
    "sms": {"phone": ("sms",)},
    "phone": {"phone": ("phone",)},
    "email": {"email": ("email",)},
    "wechat": {
        "wechat_openid": ("wechat",),
        "wecom_external_userid": ("wechat",),
        "wechat_unionid": ("wechat",),
    },
}
#: Profiles that carry every channel's identifiers (people's and machines' files).
GENERIC_PROFILES = ("excel", "csv", "parquet", "json")
_ID = "customer_id"
_E164 = r"^\+[1-9][0-9]{6,14}$"


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------


def frequency_cap(ws: Workspace) -> int:
    """The workspace's frequency cap in days (:data:`DEFAULT_CAP_DAYS` when unset; 0 = off)."""
    rows = ws.rows("SELECT value FROM meta WHERE key = ?", [_CAP_KEY])
    return int(rows[0][0]) if rows else DEFAULT_CAP_DAYS


def set_frequency_cap(ws: Workspace, days: int | None) -> int:
    """Set the frequency cap (``None``: back to the default); returns the cap in force."""
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        raise AudienceError(f"frequency cap {days!r}: a whole number of days, 0 or more")
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_CAP_KEY])
        if days is not None:
            con.execute("INSERT INTO meta VALUES (?, ?)", [_CAP_KEY, str(days)])
    return frequency_cap(ws)


# ------------------------------------------------------------------------------------------------
# Contacts
# ------------------------------------------------------------------------------------------------


def _masked_customers(ws: Workspace, column: str, columns: dict[str, set[str]]) -> pl.DataFrame:
    """Customers with at least one masked phone (``column="phone"``) or e-mail on a record
    (``columns``: each table's columns)."""
    where = "phone_is_masked" if column == "phone" else "email LIKE '%*%'"
    needed = {"phone", "phone_is_masked"} if column == "phone" else {"email"}
    parts = [
        f"SELECT channel, source_customer_id FROM {table} WHERE {where}"
        for table in ("customers", "orders")
        if needed <= columns[table]
    ]
    if not parts:
        return pl.DataFrame(schema={_ID: pl.String})
    if column == "email" and ws.encrypted:  # the stars are inside the encrypted values
        keys = ["channel", "source_customer_id"]
        found = [
            ws.decrypt(ws.query(f"SELECT channel, source_customer_id, email FROM {table}"), table)
            .filter(pl.col("email").str.contains("*", literal=True))
            .select(keys)
            for table in ("customers", "orders")
            if needed <= columns[table]
        ]
        records = pl.concat(found).unique()
        imap = ws.identity_map().select(*keys, _ID)
        return imap.join(records, on=keys).select(_ID).unique().sort(_ID)
    sql = (
        "SELECT DISTINCT m.customer_id FROM identity_map m JOIN ("
        + " UNION ".join(parts)
        + ") r USING (channel, source_customer_id)"
    )
    return ws.query(sql)


def _columns(ws: Workspace, table: str) -> set[str]:
    if not ws.has_table(table):
        return set()
    return set(ws.query(f"DESCRIBE {table}")["column_name"].to_list())


def _wechat_ids(ws: Workspace) -> pl.DataFrame:
    """``customer_id, wechat_openid, wecom_external_userid`` from the source records of
    ``wechat*`` and ``wecom*`` channels (the smallest id when a customer has several)."""
    imap = ws.identity_map().select("channel", "source_customer_id", _ID)
    kinds = (
        pl.when(pl.col("channel").str.starts_with("wecom"))
        .then(pl.lit("wecom_external_userid"))
        .when(pl.col("channel").str.starts_with("wechat"))
        .then(pl.lit("wechat_openid"))
        .otherwise(None)
    )
    tagged = imap.with_columns(kind=kinds).filter(pl.col("kind").is_not_null())
    out = tagged.group_by(_ID, "kind").agg(pl.col("source_customer_id").min())
    wide = (
        out.pivot(on="kind", index=_ID, values="source_customer_id")
        if out.height
        else pl.DataFrame(schema={_ID: pl.String})
    )
    for name in ("wechat_openid", "wecom_external_userid"):
        if name not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.String).alias(name))
    return wide.select(_ID, "wechat_openid", "wecom_external_userid")


def all_contacts(ws: Workspace) -> pl.DataFrame:
    """Every customer's contacts, computed from the workspace (:func:`contact_rows` columns
    without the caller's; :func:`contact_rows` reads them from the snapshot)."""
    from cimlab.contacts import canonical_email_expr, country_from_e164_expr, country_iso2_expr
    from cimlab.customers.golden import golden_records

    golden = golden_records(ws) if ws.has_table("identity_map") else None
    wanted = ("name", "email", "phone", "country", "city", "region")
    if golden is None or golden.is_empty():
        contacts = pl.DataFrame(schema={_ID: pl.String, **dict.fromkeys(wanted, pl.String)})
    else:
        contacts = golden.select(_ID, *[pl.col(c).cast(pl.String) for c in wanted])
    phone = pl.col("phone").str.strip_chars()
    good_phone = phone.str.contains(_E164).fill_null(False)
    email_ok = pl.col("email").is_not_null() & ~pl.col("email").str.contains(r"\*").fill_null(True)
    contacts = contacts.with_columns(
        phone=pl.when(good_phone).then(phone).otherwise(None),
        email=pl.when(email_ok).then(pl.col("email").str.strip_chars()).otherwise(None),
        country=pl.coalesce(country_iso2_expr(pl.col("country")), country_from_e164_expr(phone)),
    )
    columns = {table: _columns(ws, table) for table in ("customers", "orders")}
    out = contacts.join(_wechat_ids(ws), on=_ID, how="left")
    if ws.has_table("identity_map"):
        for name, column in (("masked_phone", "phone"), ("masked_email", "email")):
            masked = _masked_customers(ws, column, columns).with_columns(pl.lit(True).alias(name))
            out = out.join(masked.with_columns(pl.col(_ID).cast(pl.String)), on=_ID, how="left")
    for name in ("masked_phone", "masked_email"):
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Boolean).alias(name))
    # the suppression list holds canonical e-mails too: match on both spellings
    return out.with_columns(
        pl.col("masked_phone", "masked_email").fill_null(False),
        wechat_unionid=pl.lit(None, pl.String),
        email_canonical=canonical_email_expr(pl.col("email")),
    )


def _member_rows(
    ws: Workspace, attributes: pl.DataFrame, chosen: pl.DataFrame, data: CustomerData | None
) -> pl.DataFrame:
    """:func:`contact_rows` of the members ``chosen`` of ``attributes``. From the snapshot
    (``data`` None) the contacts are laid out like the attributes: put side by side, then
    filtered, without a join."""
    if data is None:
        from cimlab.act.snapshot import open_snapshot

        contacts = open_snapshot(ws).aligned_contacts()
        if contacts.height == attributes.height and contacts[_ID].equals(attributes[_ID]):
            clash = {c: f"{c}_right" for c in contacts.columns if c in attributes.columns}
            clash.pop(_ID)
            side = contacts.drop(_ID).rename(clash)
            both = pl.concat([attributes, side], how="horizontal")
            return both.join(chosen, on=_ID, how="semi")
    return contact_rows(ws, attributes.join(chosen, on=_ID, how="semi"))


def contact_rows(ws: Workspace, customers: pl.DataFrame) -> pl.DataFrame:
    """``customers`` (``customer_id`` + attribute columns) with their contacts (module steps).

    Adds ``name, email, phone, country, city, region, wechat_openid, wecom_external_userid,
    wechat_unionid, masked_phone, masked_email, email_canonical``. ``phone`` is E.164 or null
    (a masked or virtual number is never kept: it sets ``masked_phone`` instead). The
    contacts come from the workspace's snapshot (:mod:`cimlab.act.snapshot`): computed for
    every customer once per workspace version.
    """
    from cimlab.act.snapshot import open_snapshot

    contacts = open_snapshot(ws).contacts()
    out = customers.join(contacts, on=_ID, how="left")
    return out.with_columns(pl.col("masked_phone", "masked_email").fill_null(False))


# ------------------------------------------------------------------------------------------------
# Preview
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AudiencePreview:
    """Size, expected value and reach of an audience (:func:`preview_audience`)."""

    audience: str
    version: int
    as_of: dt.date
    size: int
    customers: int
    expected_value: float | None  # sum of stored CLV over the members (None when none stored)
    reachable: dict[str, float]  # channel -> share of members with consent and a usable contact
    overlaps: dict[str, int]  # other audience -> members in common

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


def _reach_fields() -> list[str]:
    return ["consent_email", "consent_sms", "consent_wechat", "consent_phone", "purchase_days"]


def preview_audience(
    ws: Workspace,
    audience: str | Audience,
    *,
    as_of: dt.date,
    data: CustomerData | None = None,
    overlap_with: Sequence[str] = (),
) -> AudiencePreview:
    """How big ``audience`` is at ``as_of``, what it is worth (sum of the stored CLV, when the
    workspace has a CLV prediction of this data), the share of its members reachable per channel
    (consent, soft opt-in included, and a usable contact: what the export would keep before the
    frequency cap and the lists), and its overlap with the ``overlap_with`` audiences."""
    chosen = load_audience(ws, audience) if isinstance(audience, str) else audience.checked()
    others = [load_audience(ws, name) for name in overlap_with]
    fields = set(chosen.fields) | set(_reach_fields())
    for other in others:
        fields |= other.fields
    attributes = customer_attributes(ws, as_of=as_of, fields=fields, data=data)
    chosen_members = members(attributes, chosen)
    value = None
    try:
        worth = customer_attributes(ws, as_of=as_of, fields=["clv"], data=data)
        value = float(worth.join(chosen_members, on=_ID)["clv"].sum())
    except AudienceError:
        value = None
    rows = _member_rows(ws, attributes, chosen_members, data)
    rows = rows.with_columns(has_purchase=pl.col("purchase_days").fill_null(0) > 0)
    soft = soft_opt_in(ws)
    reachable = {}
    for channel, identifiers in CHANNELS.items():
        kept = suppress(rows, identifiers=identifiers, soft=soft).kept.height if rows.height else 0
        reachable[channel] = kept / rows.height if rows.height else 0.0
    overlaps = {
        other.name: members(attributes, other).join(chosen_members, on=_ID).height
        for other in others
    }
    return AudiencePreview(
        audience=chosen.name,
        version=chosen.version,
        as_of=as_of,
        size=chosen_members.height,
        customers=attributes.height,
        expected_value=value,
        reachable=reachable,
        overlaps=overlaps,
    )


# ------------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What one export did (also its audit row)."""

    export_id: int
    at: dt.datetime
    user: str | None
    audience: str
    audience_version: int
    profile: str
    channel: str | None
    as_of: dt.date
    members: int
    suppressed: dict[str, int]
    control: int
    control_share: float
    seed: int
    exported: int
    files: list[dict[str, Any]]  # path, sha256, rows, bytes

    @property
    def suppressed_total(self) -> int:
        return sum(self.suppressed.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON: ``members, exported, control, suppressed`` (by reason), ``file``, ``sha256``
        (of the first file), ``files`` (all) and the rest of the audit row."""
        first = self.files[0] if self.files else {"path": None, "sha256": None}
        return {
            "export_id": self.export_id,
            "at": self.at.isoformat(),
            "user": self.user,
            "audience": self.audience,
            "audience_version": self.audience_version,
            "profile": self.profile,
            "channel": self.channel,
            "as_of": self.as_of.isoformat(),
            "members": self.members,
            "exported": self.exported,
            "control": self.control,
            "control_share": self.control_share,
            "seed": self.seed,
            "suppressed": dict(self.suppressed),
            "suppressed_total": self.suppressed_total,
            "file": first["path"],
            "sha256": first["sha256"],
            "files": self.files,
        }


def _identifiers(profile: Any, channel: str | None) -> dict[str, tuple[str, ...]]:
    """The identifier columns the export may write and the consent purposes allowing each."""
    fixed = {c: (p,) if isinstance(p, str) else tuple(p) for c, p in profile.identifiers.items()}
    if profile.name in GENERIC_PROFILES and "phone" in fixed:
        fixed["phone"] = ("sms", "phone")  # a list for people: a text or a call
    if channel is None:
        return fixed
    if channel not in CHANNELS:
        raise AudienceError(f"channel {channel!r}: one of {', '.join(CHANNELS)}")
    wanted = CHANNELS[channel]
    chosen = {c: wanted[c] for c in fixed if c in wanted}
    if not chosen:
        raise AudienceError(
            f"profile {profile.name!r} writes {', '.join(fixed)}; it cannot reach the "
            f"{channel} channel"
        )
    return chosen


def _recently_contacted(ws: Workspace, days: int, now: dt.datetime) -> list[str]:
    if days <= 0 or not ws.has_table("campaign_members"):
        return []
    since = now - dt.timedelta(days=days)
    # treated customers were contacted; control customers are held out for the readout, and
    # contacting them within the cap would spoil that holdout: both wait
    rows = ws.rows(
        "SELECT DISTINCT m.customer_id FROM campaign_members m JOIN campaign_exports e "
        "USING (export_id) WHERE e.direct_contact AND e.exported_at >= ?",
        [since],
    )
    return [r[0] for r in rows]


def export_audience(
    ws: Workspace,
    audience: str | Audience,
    *,
    profile: str,
    out: str | Path,
    as_of: dt.date,
    control: float = 0.0,
    seed: int | None = None,
    channel: str | None = None,
    cap_days: int | None = None,
    exclude: pl.DataFrame | None = None,
    lang: str = "en",
    user: str | None = None,
    data: CustomerData | None = None,
    render_options: dict[str, Any] | None = None,
    one_per_household: bool = False,
) -> ExportResult:
    """Export ``audience`` with ``profile`` to ``out`` (module docstring for the steps).

    ``control``: the control share, 0 to 0.5 (``seed`` None draws a seed, which the log
    keeps). ``channel``: restrict a multi-channel profile (excel, csv, parquet, json) to one
    contact channel (``sms``, ``phone``, ``email``, ``wechat``). ``exclude``: this campaign's
    exclusion list (``kind, value``: :func:`cimlab.act.suppression.read_contact_list`).
    ``render_options``: the profile's options (``batch``, ``zipped``, ``max_bytes``:
    :func:`cimlab.act.profiles.render`). ``one_per_household``: one message per home, the
    last suppression step (``same_household``: :mod:`cimlab.act.suppression`). ``data``: the
    analysis data when the caller has it for other options than the defaults
    (:func:`cimlab.act.attributes.customer_attributes`); without it the workspace's snapshot
    serves.
    """
    from cimlab.act.profiles import PROFILES, render
    from cimlab.act.uplift import assign_control
    from cimlab.export import check_target, write_bytes

    if profile not in PROFILES:
        raise AudienceError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    chosen = load_audience(ws, audience) if isinstance(audience, str) else audience.checked()
    spec = PROFILES[profile]
    identifiers = _identifiers(spec, channel)
    if not 0.0 <= control <= 0.5:
        raise AudienceError(f"control share {control!r}: from 0 to 0.5 (0 % to 50 %)")
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    target = Path(out)
    check_target(target, protect=[ws.path])
    fields = set(chosen.fields) | {
        "segment",
        "purchase_days",
        "consent_email",
        "consent_sms",
        "consent_wechat",
        "consent_phone",
    }
    if profile == "hubspot" or profile in GENERIC_PROFILES:  # the files that carry the stage
        fields.add("stage")
    if one_per_household:
        fields.add("household_id")
    attributes = customer_attributes(ws, as_of=as_of, fields=fields, data=data)
    chosen_members = members(attributes, chosen)
    rows = _member_rows(ws, attributes, chosen_members, data)
    rows = rows.with_columns(
        has_purchase=pl.col("purchase_days").fill_null(0) > 0,
        lifecycle_stage=pl.col("stage") if "stage" in rows.columns else pl.lit(None, pl.String),
    )
    now = dt.datetime.now(dt.UTC)
    direct = not spec.hashed
    with ws.reading():  # the suppression inputs: one state of the workspace, one connection
        cap = frequency_cap(ws) if cap_days is None else cap_days
        listed = suppression_list(ws).select("kind", "value")
        soft = soft_opt_in(ws)
        contacted = _recently_contacted(ws, cap, now) if direct else []
    listed = pl.concat([listed, _canonical(listed)]).unique()
    outcome: Suppression = suppress(
        rows.with_columns(email=pl.coalesce("email", "email_canonical")),
        identifiers=identifiers,
        soft=soft,
        listed=listed,
        contacted=contacted,
        excluded=exclude,
        one_per_household=one_per_household,
    )
    kept = outcome.kept
    if control > 0 and kept.height:
        groups = assign_control(kept.select(_ID, "segment"), share=control, seed=seed)
    else:
        groups = kept.select(_ID).with_columns(group=pl.lit("treated"))
    treated = kept.join(groups.filter(pl.col("group") == "treated").select(_ID), on=_ID)
    n_control = kept.height - treated.height
    written = render(
        profile, treated.drop("email_canonical"), target, lang=lang, **(render_options or {})
    )
    files: list[dict[str, Any]] = []
    paths: list[Path] = []
    try:
        for part in written.files:
            path = write_bytes(part.data, part.path, protect=[ws.path])
            paths.append(Path(path))
            files.append(
                {
                    "path": str(path),
                    "sha256": hashlib.sha256(part.data).hexdigest(),
                    "rows": part.rows,
                    "bytes": len(part.data),
                }
            )
        result = _log(
            ws,
            chosen,
            profile=profile,
            channel=channel,
            as_of=as_of,
            at=now,
            user=user if user is not None else _user(),
            members_count=chosen_members.height,
            outcome=outcome,
            control=n_control,
            control_share=control,
            seed=seed,
            exported=int(written.rows_written),
            files=files,
            direct=direct,
            groups=groups,
        )
    except BaseException:
        for path in paths:
            path.unlink(missing_ok=True)
        raise
    return result


def _canonical(listed: pl.DataFrame) -> pl.DataFrame:
    from cimlab.contacts import canonical_email_expr

    emails = listed.filter(pl.col("kind") == "email")
    return emails.with_columns(value=canonical_email_expr(pl.col("value"))).drop_nulls()


def _log(
    ws: Workspace,
    audience: Audience,
    *,
    profile: str,
    channel: str | None,
    as_of: dt.date,
    at: dt.datetime,
    user: str | None,
    members_count: int,
    outcome: Suppression,
    control: int,
    control_share: float,
    seed: int,
    exported: int,
    files: list[dict[str, Any]],
    direct: bool,
    groups: pl.DataFrame,
) -> ExportResult:
    ws.ensure_tables(DDL)
    shown_files = [{**f, "path": Path(f["path"]).name} for f in files]
    with ws.transaction() as con:
        found = con.execute(
            "SELECT coalesce(max(export_id), 0) + 1 FROM campaign_exports"
        ).fetchone()
        export_id = int(found[0]) if found else 1
        con.execute(
            "INSERT INTO campaign_exports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                export_id,
                at,
                user,
                audience.name,
                audience.version,
                audience.to_yaml(),
                profile,
                channel,
                as_of,
                members_count,
                outcome.suppressed,
                json.dumps(outcome.counts),
                control,
                control_share,
                seed,
                exported,
                json.dumps(shown_files, ensure_ascii=False),
                direct,
            ],
        )
        table = groups.select(
            export_id=pl.lit(export_id, pl.Int32), customer_id=pl.col(_ID), grp=pl.col("group")
        )
        con.register("new_members", table.to_arrow())
        con.execute("INSERT INTO campaign_members SELECT * FROM new_members")
        con.unregister("new_members")
    return ExportResult(
        export_id=export_id,
        at=at,
        user=user,
        audience=audience.name,
        audience_version=audience.version,
        profile=profile,
        channel=channel,
        as_of=as_of,
        members=members_count,
        suppressed=dict(outcome.counts),
        control=control,
        control_share=control_share,
        seed=seed,
        exported=exported,
        files=files,
    )


# ------------------------------------------------------------------------------------------------
# The log and the uplift readout
# ------------------------------------------------------------------------------------------------


def campaign_log(ws: Workspace) -> pl.DataFrame:
    """Every export, newest first: the audit rows (no personal data), with
    ``suppressed_by_reason`` and ``files`` as JSON text."""
    if not ws.has_table("campaign_exports"):
        return pl.DataFrame(
            schema={
                "export_id": pl.Int32,
                "exported_at": pl.Datetime("us", "UTC"),
                "user_name": pl.String,
                "audience": pl.String,
                "audience_version": pl.Int32,
                "profile": pl.String,
                "channel": pl.String,
                "as_of": pl.Date,
                "members": pl.Int64,
                "suppressed": pl.Int64,
                "suppressed_by_reason": pl.String,
                "control": pl.Int64,
                "control_share": pl.Float64,
                "seed": pl.Int64,
                "exported": pl.Int64,
                "files": pl.String,
            }
        )
    return ws.query(
        "SELECT export_id, exported_at, user_name, audience, audience_version, profile, channel, as_of, "
        "members, suppressed, suppressed_by_reason, control, control_share, seed, exported, "
        "files FROM campaign_exports ORDER BY export_id DESC"
    )


def campaign_members(ws: Workspace, export_id: int) -> pl.DataFrame:
    """``customer_id, group`` of one export (treated and control; empty when every member was
    suppressed)."""
    known = (
        ws.has_table("campaign_exports")
        and ws.rows("SELECT count(*) FROM campaign_exports WHERE export_id = ?", [export_id])[0][0]
    )
    if not known:
        raise AudienceError(
            f"no export {export_id} in {ws.path}; `cimlab campaign list --workspace {ws.path}` "
            "shows them"
        )
    return ws.query(
        'SELECT customer_id, grp AS "group" FROM campaign_members WHERE export_id = ? '
        "ORDER BY customer_id",
        [export_id],
    )


def campaign_uplift(
    ws: Workspace, export_id: int, *, end: dt.date | None = None, data: CustomerData | None = None
) -> UpliftReadout:
    """The uplift readout of one export: conversion and revenue per customer of the treated
    group against the control group, from the export's time to ``end`` (default: the last
    order day of the workspace), in the business time zone."""
    from cimlab.act.uplift import uplift_readout
    from cimlab.analytics.facts import customer_data
    from cimlab.dates import to_date

    groups = campaign_members(ws, export_id)
    start = ws.query(
        "SELECT exported_at FROM campaign_exports WHERE export_id = ?", [export_id]
    ).item()
    data = customer_data(ws) if data is None else data
    exported_on = to_date(start, time_zone=data.time_zone)
    if end is None:  # the last order day, or the export day when no order came since
        last = data.orders["order_ts"].max() if data.orders.height else None
        end = max(to_date(last, time_zone=data.time_zone), exported_on) if last else exported_on  # type: ignore[arg-type]
    elif end < exported_on:
        raise AudienceError(
            f"end {end} is before export {export_id} on {exported_on}: the readout counts the "
            "days after the export"
        )
    return uplift_readout(groups, data.orders, start=start, end=end, time_zone=data.time_zone)
