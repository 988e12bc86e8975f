"""Everything cimlab knows per customer, as the fields audience rules filter on.

One row per unified customer of the workspace (every customer of
:func:`cimlab.analytics.facts.customer_data`, buyers or not), ``customer_id`` first. The fields
come in groups, and a group is computed only when a rule reads one of its fields
(:func:`customer_attributes` ``fields=``), so an audience over RFM segments never fits the
clusters. :data:`FIELDS` lists each field with its kind (which operators it takes, see
:mod:`cimlab.act.audiences`), its group, labels in English and 中文 and, for categories, the
values it can take.

Groups and where they come from (``as_of`` is the scoring day; nothing after it is read):

* ``rfm``: :func:`cimlab.analytics.rfm.rfm_table` in days: ``segment`` (the segment's code,
  :data:`cimlab.analytics.rfm.SEGMENT_CODES`: ``champions``, ``cannot_lose_them``...),
  ``r_score``, ``f_score``, ``m_score``, ``purchase_days``, ``total_spend`` (reporting
  currency), ``days_since_last_purchase``; ``first_purchase_date``, ``last_purchase_date``;
* ``lifecycle``: ``stage`` (:data:`cimlab.analytics.lifecycle.STAGES`);
* ``cluster``: ``cluster_name`` of :func:`cimlab.analytics.clusters.cluster_customers`
  (silhouette choice of k, seed 0: the same data give the same clusters);
* ``value``: the latest stored CLV and churn predictions **of this very data** (their data
  fingerprint must match, :func:`cimlab.predict.store.latest_prediction`): ``clv``,
  ``p_alive``, ``expected_purchases``, ``churn_probability``, ``churn_band``; none stored is an
  :class:`~cimlab.errors.AudienceError` saying which command makes them;
* ``channels``: ``channels`` (every channel with a record of the customer, a list) and
  ``acquisition_channel`` (the channel of the first purchase);
* ``tags``: ``tags`` (current manual and rule tags, a list; ``business`` / ``individual`` are
  ``customer_type``);
* ``household``: ``household_id`` and ``household_size`` (customers in it) of the customers
  identity resolution linked as a household (two people sharing a phone or e-mail:
  :func:`cimlab.identity.customer_households`); null and 1 for everyone else;
* ``profile``: from the golden record: ``region``, ``city``, ``country``, ``gender``,
  ``customer_type``, ``signup_date``;
* ``products``: ``products_bought`` (SKUs, else product names, of the paid lines up to
  ``as_of``; a list) and ``categories_bought``: "bought X, never Y" is ``contains X`` and
  ``not_contains Y``;
* ``satisfaction``: ``nps_last``, ``csat_last`` (latest answers up to ``as_of``),
  ``last_complaint_date`` and ``open_complaint``: a complaint (feedback flag or interaction of
  type ``complaint``) in the :data:`OPEN_COMPLAINT_DAYS` days up to ``as_of`` with no feedback
  or interaction after it;
* ``consent``: ``consent_email``, ``consent_sms``, ``consent_wechat``, ``consent_phone``
  (:func:`cimlab.customers.consent.current_consent`; null = never said: the export's
  suppression counts that as no);
* ``care``: ``days_to_birthday``, ``days_to_membership_anniversary``,
  ``days_to_first_purchase_anniversary`` (:mod:`cimlab.act.care`).

Examples
--------
>>> FIELDS["segment"].kind, FIELDS["segment"].group
('category', 'rfm')
>>> sorted(groups_of(["segment", "stage", "clv"]))
['lifecycle', 'rfm', 'value']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import polars as pl

from cimlab.errors import AudienceError

if TYPE_CHECKING:
    from cimlab.analytics.facts import CustomerData
    from cimlab.workspace import Workspace

__all__ = [
    "FIELDS",
    "KINDS",
    "OPEN_COMPLAINT_DAYS",
    "Field",
    "aligned_group",
    "customer_attributes",
    "group_frame",
    "groups_of",
    "join_groups",
    "value_group",
]

#: A complaint in this many days up to ``as_of``, nothing heard from the customer since: open.
OPEN_COMPLAINT_DAYS = 30
#: Field kinds (the operators each takes: :data:`cimlab.act.audiences.OPERATORS`).
KINDS = ("category", "number", "date", "bool", "list")
_ID = "customer_id"


@dataclasses.dataclass(frozen=True)
class Field:
    """One field audience rules can filter on."""

    name: str
    kind: str
    group: str
    label_en: str
    label_zh: str
    values: tuple[str, ...] = ()

    def label(self, lang: str = "en") -> str:
        """The field's name for people, in ``lang`` (``en`` or ``zh``)."""
        return self.label_zh if lang == "zh" else self.label_en


def _segment_codes() -> tuple[str, ...]:
    from cimlab.analytics.rfm import SEGMENT_CODES

    return tuple(SEGMENT_CODES.values())


def _stage_codes() -> tuple[str, ...]:
    return ("prospect", "new", "repeat", "loyal", "won_back", "at_risk", "lapsed")


_SPECS: tuple[tuple[str, str, str, str, str], ...] = (
    # name, kind, group, English, 中文
    ("customer_id", "category", "customer", "Customer id", "客户编号"),
    ("segment", "category", "rfm", "RFM segment", "RFM 分群"),
    ("r_score", "number", "rfm", "R score (1–5)", "R 分（1–5）"),
    ("f_score", "number", "rfm", "F score (1–5)", "F 分（1–5）"),
    ("m_score", "number", "rfm", "M score (1–5)", "M 分（1–5）"),
    ("purchase_days", "number", "rfm", "Purchase days", "购买天数"),
    ("total_spend", "number", "rfm", "Net spend", "净消费"),
    ("days_since_last_purchase", "number", "rfm", "Days since the last purchase", "距上次购买天数"),
    ("first_purchase_date", "date", "rfm", "First purchase", "首次购买日期"),
    ("last_purchase_date", "date", "rfm", "Last purchase", "最近购买日期"),
    ("stage", "category", "lifecycle", "Lifecycle stage", "生命周期阶段"),
    ("cluster_name", "category", "cluster", "Cluster", "聚类"),
    ("clv", "number", "value", "CLV", "客户终身价值"),
    ("p_alive", "number", "value", "P(alive)", "仍活跃概率"),
    ("expected_purchases", "number", "value", "Expected purchases", "预期购买次数"),
    ("churn_probability", "number", "value", "Churn probability", "流失概率"),
    ("churn_band", "category", "value", "Churn risk band", "流失风险等级"),
    ("channels", "list", "channels", "Channels", "渠道"),
    ("acquisition_channel", "category", "channels", "Acquisition channel", "获客渠道"),
    ("tags", "list", "tags", "Tags", "标签"),
    ("household_id", "category", "household", "Household", "家庭"),
    ("household_size", "number", "household", "Customers in the household", "家庭成员数"),
    ("region", "category", "profile", "Region", "省份/地区"),
    ("city", "category", "profile", "City", "城市"),
    ("country", "category", "profile", "Country", "国家"),
    ("gender", "category", "profile", "Gender", "性别"),
    ("customer_type", "category", "profile", "Customer type", "客户类型"),
    ("signup_date", "date", "profile", "Sign-up date", "注册日期"),
    ("products_bought", "list", "products", "Products bought", "购买过的商品"),
    ("categories_bought", "list", "products", "Categories bought", "购买过的品类"),
    ("nps_last", "number", "satisfaction", "Last NPS", "最近 NPS"),
    ("csat_last", "number", "satisfaction", "Last CSAT", "最近 CSAT"),
    ("last_complaint_date", "date", "satisfaction", "Last complaint", "最近投诉日期"),
    ("open_complaint", "bool", "satisfaction", "Open complaint", "未结投诉"),
    ("consent_email", "bool", "consent", "E-mail consent", "邮件营销同意"),
    ("consent_sms", "bool", "consent", "SMS consent", "短信营销同意"),
    ("consent_wechat", "bool", "consent", "WeChat consent", "微信营销同意"),
    ("consent_phone", "bool", "consent", "Phone-call consent", "电话营销同意"),
    ("days_to_birthday", "number", "care", "Days to the birthday", "距生日天数"),
    (
        "days_to_membership_anniversary",
        "number",
        "care",
        "Days to the membership anniversary",
        "距入会周年天数",
    ),
    (
        "days_to_first_purchase_anniversary",
        "number",
        "care",
        "Days to the first-purchase anniversary",
        "距首购周年天数",
    ),
)

_VALUES: dict[str, tuple[str, ...]] = {
    "churn_band": ("high", "medium", "low"),
    "customer_type": ("individual", "business"),
    "gender": ("female", "male", "other"),
}


def _fields() -> dict[str, Field]:
    fields = {}
    for name, kind, group, en, zh in _SPECS:
        values = _VALUES.get(name, ())
        if name == "segment":
            values = _segment_codes()
        elif name == "stage":
            values = _stage_codes()
        fields[name] = Field(name, kind, group, en, zh, values)
    return fields


#: Every field audience rules can read, by name.
FIELDS: dict[str, Field] = _fields()


def groups_of(fields: Iterable[str]) -> set[str]:
    """The attribute groups the ``fields`` belong to (unknown names raise AudienceError)."""
    groups = set()
    for name in fields:
        if name not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise AudienceError(f"unknown field {name!r}; the fields are: {known}")
        groups.add(FIELDS[name].group)
    groups.discard("customer")
    return groups


# ------------------------------------------------------------------------------------------------
# The groups
# ------------------------------------------------------------------------------------------------


def _rfm(data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.analytics.rfm import SEGMENT_CODES, rfm_table
    from cimlab.lines import purchase_days

    scores = rfm_table(data.orders, as_of=as_of, time_zone=data.time_zone).lazy()
    days = (
        purchase_days(data.orders.lazy(), as_of=as_of, time_zone=data.time_zone)
        .group_by(_ID)
        .agg(first_purchase_date=pl.col("day").min(), last_purchase_date=pl.col("day").max())
    )
    return (
        scores.select(
            pl.col(_ID),
            pl.col("segment").replace_strict(SEGMENT_CODES, default=None),
            pl.col("r_score").cast(pl.Int64),
            pl.col("f_score").cast(pl.Int64),
            pl.col("m_score").cast(pl.Int64),
            pl.col("purchase_days").cast(pl.Int64),
            pl.col("total_spend").cast(pl.Float64),
            days_since_last_purchase=pl.col("since_last").cast(pl.Int64),
        )
        .join(days, on=_ID, how="left")
        .collect()
    )


def _lifecycle(data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.analytics.lifecycle import lifecycle_stages

    stages = lifecycle_stages(
        data.orders, as_of=as_of, customers=data.customers, time_zone=data.time_zone
    )
    return stages.select(_ID, "stage")


def _cluster(data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.analytics.clusters import cluster_customers
    from cimlab.errors import NotEnoughDataError

    try:
        frame, _ = cluster_customers(data.orders, as_of=as_of, time_zone=data.time_zone)
    except (NotEnoughDataError, ValueError) as error:  # too few customers to cluster
        raise AudienceError(f"no clusters for this audience: {error}") from None
    return frame.select(_ID, pl.col("cluster_name").cast(pl.String))


def value_group(ws: Workspace, fingerprint: str) -> pl.DataFrame:
    """The ``value`` group: the latest stored CLV and churn predictions of the data whose
    :func:`~cimlab.predict.store.data_fingerprint` is ``fingerprint`` (AudienceError when
    either is missing, naming the command that makes it)."""
    from cimlab.predict.store import latest_prediction

    frames = []
    for kind, columns, command in (
        ("clv", ("clv", "p_alive", "expected_purchases"), "cimlab predict clv"),
        ("churn", ("churn_probability", "risk_band"), "cimlab predict churn"),
    ):
        stored = latest_prediction(ws.path, kind, fingerprint=fingerprint)
        if stored is None:
            raise AudienceError(
                f"no stored {kind} prediction for the workspace's current data: run "
                f"`{command} --workspace {ws.path} --as-of DATE` (or open the Value & risk "
                "page) first, then build the audience"
            )
        frames.append(stored.frames["customers"].select(_ID, *columns))
    clv, churn = frames
    return clv.join(churn.rename({"risk_band": "churn_band"}), on=_ID, how="full", coalesce=True)


def _channels(data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.analytics.channels import acquisition_channels

    first = acquisition_channels(data.orders, as_of=as_of, time_zone=data.time_zone)
    return data.customers.select(_ID, pl.col("channels").cast(pl.List(pl.String))).join(
        first.select(_ID, "acquisition_channel"), on=_ID, how="left"
    )


def _tags(ws: Workspace) -> pl.DataFrame:
    from cimlab.customers.tags import customer_tags

    tags = customer_tags(ws, include_type=False)
    return tags.group_by(_ID).agg(tags=pl.col("tag").unique().sort())


def _household(ws: Workspace) -> pl.DataFrame:
    from cimlab.identity import customer_households

    homes = customer_households(ws).select(_ID, "household_id").unique()
    return homes.with_columns(
        household_size=pl.col(_ID).n_unique().over("household_id").cast(pl.Int64)
    )


def _profile(ws: Workspace) -> pl.DataFrame:
    from cimlab.customers.golden import golden_records

    golden = golden_records(ws, include_orders=False)
    wanted = ("region", "city", "country", "gender", "customer_type", "signup_date")
    return golden.select(_ID, *[pl.col(c) for c in wanted if c in golden.columns])


def _products(data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.lines import counted_lines

    present = [c for c in ("sku", "product_name", "category") if c in data.orders.columns]
    lines = counted_lines(data.orders, as_of=as_of, need=present, time_zone=data.time_zone).filter(
        pl.col("purchase")
    )
    items = [pl.col(c).cast(pl.String) for c in ("sku", "product_name") if c in present]
    item = pl.coalesce(items) if items else pl.lit(None, pl.String)
    category = (
        pl.col("category").cast(pl.String) if "category" in present else pl.lit(None, pl.String)
    )
    return (
        lines.group_by(_ID)
        .agg(
            products_bought=item.drop_nulls().unique().sort(),
            categories_bought=category.drop_nulls().unique().sort(),
        )
        .collect()
    )


def _satisfaction(data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.dates import day_of

    tz = data.time_zone
    end = pl.lit(as_of, dtype=pl.Date)
    parts = []
    heard = []
    fb = data.feedback
    if fb.height and "ts" in fb.columns:
        fb = fb.filter(pl.col(_ID).is_not_null()).with_columns(
            day=day_of("ts", fb.schema["ts"], time_zone=tz)
        )
        fb = fb.filter(pl.col("day") <= end)
        latest = {  # the latest answer (by time) among the rows that answered
            name: pl.col(name)
            .filter(pl.col(name).is_not_null())
            .sort_by(pl.col("ts").filter(pl.col(name).is_not_null()))
            .last()
            for name in ("nps", "csat")
            if name in fb.columns
        }
        if latest:
            parts.append(
                fb.group_by(_ID).agg(
                    **{f"{name}_last": expr.cast(pl.Float64) for name, expr in latest.items()}
                )
            )
        heard.append(fb.select(_ID, "day"))
        if "complaint" in fb.columns:
            parts.append(
                fb.filter(pl.col("complaint").fill_null(False))
                .group_by(_ID)
                .agg(last_complaint_date=pl.col("day").max())
            )
    ix = data.interactions
    if ix.height and "ts" in ix.columns:
        ix = ix.filter(pl.col(_ID).is_not_null()).with_columns(
            day=day_of("ts", ix.schema["ts"], time_zone=tz)
        )
        ix = ix.filter(pl.col("day") <= end)
        heard.append(ix.select(_ID, "day"))
        if "type" in ix.columns:
            parts.append(
                ix.filter(pl.col("type").cast(pl.String).str.to_lowercase() == "complaint")
                .group_by(_ID)
                .agg(last_complaint_date=pl.col("day").max())
            )
    out = data.customers.select(_ID)
    complaints = [p for p in parts if "last_complaint_date" in p.columns]
    for part in parts:
        if "last_complaint_date" not in part.columns:
            out = out.join(part, on=_ID, how="left")
    if complaints:
        last = pl.concat(complaints).group_by(_ID).agg(pl.col("last_complaint_date").max())
        out = out.join(last, on=_ID, how="left")
    else:
        out = out.with_columns(last_complaint_date=pl.lit(None, pl.Date))
    # heard from after the complaint: any feedback or interaction on a later day
    if heard:
        events = pl.concat(heard).join(out.select(_ID, "last_complaint_date"), on=_ID)
        answered = (
            events.filter(pl.col("day") > pl.col("last_complaint_date"))
            .select(_ID)
            .unique()
            .with_columns(answered=pl.lit(True))
        )
        out = out.join(answered, on=_ID, how="left")
    else:
        out = out.with_columns(answered=pl.lit(None, pl.Boolean))
    recent = pl.col("last_complaint_date") > end - pl.duration(days=OPEN_COMPLAINT_DAYS)
    out = out.with_columns(
        open_complaint=pl.when(pl.col("last_complaint_date").is_null())
        .then(False)
        .otherwise(recent & ~pl.col("answered").fill_null(False))
    ).drop("answered")
    for name in ("nps_last", "csat_last"):
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Float64).alias(name))
    return out


def _consent(ws: Workspace) -> pl.DataFrame:
    from cimlab.customers.consent import PURPOSES, current_consent

    state = current_consent(ws)
    wide = state.pivot(on="purpose", index=_ID, values="granted") if state.height else None
    columns = [f"consent_{p}" for p in PURPOSES]
    if wide is None:
        return pl.DataFrame(schema={_ID: pl.String, **dict.fromkeys(columns, pl.Boolean)})
    return wide.select(
        _ID,
        *[
            (pl.col(p) if p in wide.columns else pl.lit(None, pl.Boolean))
            .cast(pl.Boolean)
            .alias(f"consent_{p}")
            for p in PURPOSES
        ],
    )


def _care(ws: Workspace, data: CustomerData, as_of: dt.date) -> pl.DataFrame:
    from cimlab.act.care import care_attributes, first_purchase_dates
    from cimlab.customers.golden import golden_records

    golden = golden_records(ws, include_orders=False).select(_ID, "birth_date", "signup_date")
    first = first_purchase_dates(data.orders, as_of=as_of, time_zone=data.time_zone)
    care = care_attributes(golden, first, as_of=as_of)
    return care.select(
        _ID,
        "days_to_birthday",
        "days_to_membership_anniversary",
        "days_to_first_purchase_anniversary",
    )


def group_frame(
    group: str, ws: Workspace, data: Callable[[], CustomerData], as_of: dt.date
) -> pl.DataFrame:
    """One attribute group (module docstring) of the customers ``data()`` describes, at
    ``as_of``; ``data`` is called only by the groups that read the analysis data (``value``:
    :func:`value_group`)."""
    if group == "tags":
        return _tags(ws)
    if group == "consent":
        return _consent(ws)
    if group == "profile":
        return _profile(ws)
    if group == "household":
        return _household(ws)
    makers: dict[str, Callable[[CustomerData], pl.DataFrame]] = {
        "rfm": lambda d: _rfm(d, as_of),
        "lifecycle": lambda d: _lifecycle(d, as_of),
        "cluster": lambda d: _cluster(d, as_of),
        "channels": lambda d: _channels(d, as_of),
        "products": lambda d: _products(d, as_of),
        "satisfaction": lambda d: _satisfaction(d, as_of),
        "care": lambda d: _care(ws, d, as_of),
    }
    if group not in makers:
        raise AudienceError(f"unknown attribute group {group!r}")
    return makers[group](data())


def join_groups(
    customers: pl.DataFrame,
    fields: Iterable[str] | None,
    group: Callable[[str], pl.DataFrame],
) -> pl.DataFrame:
    """``customers`` (``customer_id``) left-joined with ``group(name)`` for every group of
    ``fields`` (all when None), in name order; list fields of customers a group says nothing
    about are empty lists, the rows sorted by id."""
    out = customers.select(pl.col(_ID).cast(pl.String))
    for name in sorted(groups_of(FIELDS if fields is None else fields)):
        part = group(name).with_columns(pl.col(_ID).cast(pl.String))
        out = out.join(part, on=_ID, how="left")
    return _filled(out).sort(_ID)


def _filled(frame: pl.DataFrame) -> pl.DataFrame:
    """Defaults for customers a group says nothing about: empty lists, households of one."""
    lists = [name for name, f in FIELDS.items() if f.kind == "list" and name in frame.columns]
    frame = frame.with_columns(
        pl.col(name).fill_null(pl.lit([], dtype=pl.List(pl.String))) for name in lists
    )
    if "household_size" in frame.columns:  # a customer of no household is a home of one
        frame = frame.with_columns(pl.col("household_size").fill_null(1))
    return frame


def aligned_group(customers: pl.DataFrame, part: pl.DataFrame) -> pl.DataFrame:
    """``part`` (one row per customer at most) laid out row for row like ``customers``
    (``customer_id``), with the defaults of :func:`join_groups` for the customers it lacks: such
    frames of the same customers are put side by side without a join."""
    part = part.with_columns(pl.col(_ID).cast(pl.String))
    if part[_ID].is_duplicated().any():
        raise AudienceError("an attribute group holds a customer twice")
    ids = customers.select(pl.col(_ID).cast(pl.String))
    return _filled(ids.join(part, on=_ID, how="left", maintain_order="left"))


def customer_attributes(
    ws: Workspace,
    *,
    as_of: dt.date,
    fields: Iterable[str] | None = None,
    data: CustomerData | None = None,
) -> pl.DataFrame:
    """One row per customer with ``customer_id`` and the groups of ``fields`` (all when None).

    Without ``data`` the groups come from the workspace's snapshot
    (:mod:`cimlab.act.snapshot`: computed once per workspace version, then read), for the
    analysis data of :func:`~cimlab.analytics.facts.customer_data` with its defaults. With
    ``data`` (that function's result for other options, or a frame set of one's own) the
    groups that read it are computed from it; the groups read from the workspace's tables as
    they are (tags, consent, profile, household) come from the snapshot either way. Columns of the
    groups not asked for are absent; a customer the group says nothing about has nulls there
    (lists: empty).
    """
    from cimlab.act.snapshot import WORKSPACE_GROUPS, open_snapshot

    snapshot = open_snapshot(ws)
    if data is None:
        return snapshot.attributes(as_of=as_of, fields=fields)
    given = data

    def group(name: str) -> pl.DataFrame:
        if name in WORKSPACE_GROUPS:
            return snapshot.group(name, as_of=as_of)
        if name == "value":
            from cimlab.predict.store import data_fingerprint

            return value_group(ws, data_fingerprint(given))
        return group_frame(name, ws, lambda: given, as_of)

    return join_groups(given.customers, fields, group)
