"""Audiences: saved, named, versioned rule sets over what cimlab knows per customer.

An audience is ``rules`` over the fields of :mod:`cimlab.act.attributes` (all must hold, or any
with ``match: any``), plus an ``include`` list of customer ids always in and an ``exclude`` list
always out (exclude wins). Written as YAML::

    name: 沉睡的高价值客户
    title: Sleeping high-value customers
    match: all
    rules:
      - {field: segment, op: in, value: [cannot_lose_them, at_risk]}
      - {field: days_since_last_purchase, op: between, value: [90, 365]}
      - {field: products_bought, op: contains, value: SKU-100}
      - {field: products_bought, op: not_contains, value: SKU-200}   # bought X, never Y
    include: [C000123]
    exclude: [C000999]

**Operators** by field kind (:data:`OPERATORS`): categories ``= != in not_in is_null
not_null``; numbers and dates ``= != < <= > >= between is_null not_null`` (dates as
``YYYY-MM-DD``; ``between`` includes both ends); booleans ``= is_null not_null``; lists
(channels, tags, products) ``contains`` (any of the values), ``contains_all``,
``not_contains`` (none of them), ``is_empty``, ``not_empty``. A customer whose field is unknown
(null) matches no comparison, ``!=`` and ``not_in`` included: only ``is_null`` finds them.

**Stored** in the workspace database, table ``audiences`` (``name, version, yaml, saved_at,
saved_by``): every save of changed rules is a new version (1, 2, ...), older versions stay, so an
export can say exactly which rules made it; saving the same rules again keeps the version.

**Ready-made** audiences need no saving (version 0): ``all`` (every customer),
``segment:<code>`` for each RFM segment (:data:`cimlab.analytics.rfm.SEGMENT_CODES`),
``stage:<code>`` for each lifecycle stage, ``churn:<band>`` (``high``, ``medium``, ``low``),
the care reminders ``care:birthday``, ``care:membership_anniversary`` and
``care:first_purchase_anniversary`` (in the next 7 days) and the holiday greeting lists
``holiday:<code>`` (``holiday:spring_festival``, ``holiday:mid_autumn``, ``holiday:double_11``
...: every customer, the export log names the occasion). Saved names may not contain ``:``.

The same audience gives the same members from the app, a notebook and the CLI: all three call
:func:`audience_members`.

Examples
--------
>>> import polars as pl
>>> people = pl.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["champions", "lost", None],
...                        "tags": [["vip"], [], ["vip", "b2b"]]})
>>> vip = Audience("vip", rules=(Rule("tags", "contains", "vip"),), exclude=("c",))
>>> members(people, vip)["customer_id"].to_list()
['a']
>>> members(people, ready_audience("segment:lost"))["customer_id"].to_list()
['b']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import yaml

from cimlab.act.attributes import FIELDS, Field
from cimlab.errors import AudienceError

if TYPE_CHECKING:
    from cimlab.analytics.facts import CustomerData
    from cimlab.workspace import Workspace

__all__ = [
    "DDL",
    "OPERATORS",
    "Audience",
    "Rule",
    "audience_members",
    "audience_versions",
    "id_list_csv",
    "list_audiences",
    "load_audience",
    "members",
    "read_id_list",
    "ready_audience",
    "ready_audiences",
    "save_audience",
]

DDL = [
    "CREATE TABLE IF NOT EXISTS audiences (name VARCHAR NOT NULL, version INTEGER NOT NULL, "
    "yaml VARCHAR NOT NULL, saved_at TIMESTAMPTZ NOT NULL, saved_by VARCHAR, "
    "PRIMARY KEY (name, version))"
]

_COMPARE = ("=", "!=", "<", "<=", ">", ">=", "between")
_NULLS = ("is_null", "not_null")
#: The operators each field kind takes.
OPERATORS: dict[str, tuple[str, ...]] = {
    "category": ("=", "!=", "in", "not_in", *_NULLS),
    "number": (*_COMPARE, *_NULLS),
    "date": (*_COMPARE, *_NULLS),
    "bool": ("=", *_NULLS),
    "list": ("contains", "contains_all", "not_contains", "is_empty", "not_empty"),
}
_NO_VALUE = ("is_null", "not_null", "is_empty", "not_empty")
_MAX_NAME = 80
_ID = "customer_id"


def _date(value: Any, rule: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise AudienceError(f"{rule}: {value!r} is not a date; write YYYY-MM-DD") from None


def _number(value: Any, rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            return float(str(value))
        except ValueError:
            raise AudienceError(f"{rule}: {value!r} is not a number") from None
    return float(value)


@dataclasses.dataclass(frozen=True)
class Rule:
    """``field op value``: one condition of an audience (module docstring for the operators)."""

    field: str
    op: str
    value: Any = None

    def __str__(self) -> str:
        if self.op in _NO_VALUE:
            return f"{self.field} {self.op}"
        return f"{self.field} {self.op} {json.dumps(self.value, ensure_ascii=False, default=str)}"

    def checked(self) -> Rule:
        """This rule with its value normalised for its field's kind; AudienceError when the
        field, operator or value does not fit."""
        field = FIELDS.get(self.field)
        if field is None:
            raise AudienceError(
                f"rule {self}: unknown field {self.field!r}; the fields are: "
                f"{', '.join(sorted(FIELDS))}"
            )
        allowed = OPERATORS[field.kind]
        if self.op not in allowed:
            raise AudienceError(
                f"rule {self}: {field.kind} field {self.field!r} takes {', '.join(allowed)}"
            )
        return dataclasses.replace(self, value=self._value(field))

    def _value(self, field: Field) -> Any:
        rule = f"rule {self}"
        if self.op in _NO_VALUE:
            return None
        many = self.op in ("in", "not_in", "contains", "contains_all", "not_contains")
        if self.op == "between":
            if not isinstance(self.value, list | tuple) or len(self.value) != 2:
                raise AudienceError(f"{rule}: between takes [low, high]")
            bounds: list[Any] = [
                _date(v, rule) if field.kind == "date" else _number(v, rule) for v in self.value
            ]
            low, high = bounds
            if low > high:
                raise AudienceError(f"{rule}: low {low} is above high {high}")
            return [low, high]
        if many:
            values = list(self.value) if isinstance(self.value, list | tuple) else [self.value]
            if not values:
                raise AudienceError(f"{rule}: give at least one value")
            return [str(v) for v in values]
        if field.kind == "bool":
            if not isinstance(self.value, bool):
                text = str(self.value).strip().lower()
                if text not in ("true", "false", "yes", "no", "1", "0"):
                    raise AudienceError(f"{rule}: {self.value!r} is not true or false")
                return text in ("true", "yes", "1")
            return self.value
        if field.kind == "number":
            return _number(self.value, rule)
        if field.kind == "date":
            return _date(self.value, rule)
        if self.value is None or isinstance(self.value, list | dict):
            raise AudienceError(f"{rule}: give one value")
        return str(self.value)

    def expr(self) -> pl.Expr:
        """The rule as a Polars expression over an attributes frame (null never matches)."""
        rule = self.checked()
        col, value, op = pl.col(rule.field), rule.value, rule.op
        kind = FIELDS[rule.field].kind
        if op == "is_null":
            return col.is_null()
        if op == "not_null":
            return col.is_not_null()
        if kind == "list":
            if op == "is_empty":
                return col.list.len() == 0
            if op == "not_empty":
                return col.list.len() > 0
            hits = [col.list.contains(pl.lit(v)) for v in value]
            if op == "contains":
                return pl.any_horizontal(hits)
            if op == "contains_all":
                return pl.all_horizontal(hits)
            return ~pl.any_horizontal(hits)
        if op == "in":
            return col.cast(pl.String).is_in(value)
        if op == "not_in":
            return col.is_not_null() & ~col.cast(pl.String).is_in(value)
        if op == "between":
            return col.is_between(pl.lit(value[0]), pl.lit(value[1]), closed="both")
        target = pl.lit(value)
        if kind == "category":
            col = col.cast(pl.String)
        compare = {
            "=": col == target,
            "!=": col != target,
            "<": col < target,
            "<=": col <= target,
            ">": col > target,
            ">=": col >= target,
        }
        return compare[op]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "op": self.op}
        if self.op not in _NO_VALUE:
            value = self.value
            if isinstance(value, list | tuple):
                value = [v.isoformat() if isinstance(v, dt.date) else v for v in value]
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out["value"] = value
        return out


def _check_name(name: object, *, ready: bool = False) -> str:
    if not isinstance(name, str) or not name.strip():
        raise AudienceError("an audience needs a name")
    if name != name.strip() or len(name) > _MAX_NAME or any(ord(c) < 32 for c in name):
        raise AudienceError(
            f"audience name {name[:_MAX_NAME]!r}: at most {_MAX_NAME} characters, no line "
            "breaks, no spaces at either end"
        )
    if ":" in name and not ready:
        raise AudienceError(
            f"audience name {name!r}: ':' is kept for the ready-made audiences "
            "(segment:..., stage:..., churn:...); choose another name"
        )
    return name


@dataclasses.dataclass(frozen=True)
class Audience:
    """A named rule set (module docstring). ``version`` 0: ready-made or not saved yet."""

    name: str
    rules: tuple[Rule, ...] = ()
    match: str = "all"
    title: str = ""
    description: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    version: int = 0
    saved_at: dt.datetime | None = None
    saved_by: str | None = None

    @property
    def ready_made(self) -> bool:
        """Whether this is one of the ready-made audiences."""
        return ready_audience(self.name) is not None or self.name.startswith("holiday:")

    @property
    def fields(self) -> set[str]:
        """The fields its rules read."""
        return {rule.field for rule in self.rules}

    def checked(self) -> Audience:
        """This audience with every rule checked (AudienceError on the first problem)."""
        _check_name(self.name, ready=self.ready_made)
        if self.match not in ("all", "any"):
            raise AudienceError(
                f"audience {self.name!r}: match is 'all' or 'any', not {self.match!r}"
            )
        return dataclasses.replace(
            self,
            rules=tuple(rule.checked() for rule in self.rules),
            include=tuple(dict.fromkeys(str(i) for i in self.include)),
            exclude=tuple(dict.fromkeys(str(i) for i in self.exclude)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The audience as plain data (what its YAML holds, plus version and save time)."""
        out = self.definition()
        out["version"] = self.version
        out["saved_at"] = self.saved_at.isoformat() if self.saved_at else None
        out["saved_by"] = self.saved_by
        return out

    def definition(self) -> dict[str, Any]:
        """What the audience says, without version or save details (compared on save)."""
        out: dict[str, Any] = {"name": self.name}
        if self.title:
            out["title"] = self.title
        if self.description:
            out["description"] = self.description
        out["match"] = self.match
        out["rules"] = [rule.to_dict() for rule in self.rules]
        if self.include:
            out["include"] = list(self.include)
        if self.exclude:
            out["exclude"] = list(self.exclude)
        return out

    def to_yaml(self) -> str:
        """The YAML text of :meth:`definition`."""
        return yaml.safe_dump(self.definition(), allow_unicode=True, sort_keys=False)

    @classmethod
    def from_dict(cls, data: object, *, name: str | None = None) -> Audience:
        """An audience from plain data (a parsed YAML file); ``name`` overrides the file's."""
        if not isinstance(data, dict):
            raise AudienceError("an audience file is a mapping with name, rules, ...")
        unknown = set(data) - {
            "name", "title", "description", "match", "rules", "include", "exclude",
            "version", "saved_at", "saved_by",
        }  # fmt: skip
        if unknown:
            raise AudienceError(f"unknown audience keys: {', '.join(sorted(map(str, unknown)))}")
        rules = data.get("rules") or []
        if not isinstance(rules, list):
            raise AudienceError("rules is a list of {field, op, value}")
        parsed = []
        for i, rule in enumerate(rules, 1):
            if not isinstance(rule, dict) or not {"field", "op"} <= set(rule):
                raise AudienceError(f"rule {i}: write it as {{field: ..., op: ..., value: ...}}")
            extra = set(rule) - {"field", "op", "value"}
            if extra:
                raise AudienceError(f"rule {i}: unknown keys {', '.join(sorted(map(str, extra)))}")
            parsed.append(Rule(str(rule["field"]), str(rule["op"]), rule.get("value")))

        def ids(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            if not isinstance(value, list):
                raise AudienceError(f"{key} is a list of customer ids")
            return tuple(str(v) for v in value)

        return cls(
            name=name if name is not None else str(data.get("name") or ""),
            rules=tuple(parsed),
            match=str(data.get("match") or "all"),
            title=str(data.get("title") or ""),
            description=str(data.get("description") or ""),
            include=ids("include"),
            exclude=ids("exclude"),
        ).checked()

    @classmethod
    def from_yaml(cls, text: str, *, name: str | None = None) -> Audience:
        """An audience from YAML text (module docstring for the layout)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise AudienceError(f"the audience YAML does not parse: {error}") from None
        return cls.from_dict(data, name=name)


# ------------------------------------------------------------------------------------------------
# Members
# ------------------------------------------------------------------------------------------------


def members(attributes: pl.DataFrame, audience: Audience) -> pl.DataFrame:
    """The audience's members among the rows of ``attributes`` (one per customer, with the
    fields its rules read): ``customer_id``, sorted. Includes join even when their rules fail
    (if they are customers of ``attributes``); excludes leave in every case."""
    audience = audience.checked()
    missing = audience.fields - set(attributes.columns)
    if missing:
        raise AudienceError(
            f"audience {audience.name!r} reads {', '.join(sorted(missing))}, which the "
            "attributes frame lacks (cimlab.act.attributes.customer_attributes(fields=...))"
        )
    if audience.rules:
        exprs = [rule.expr().fill_null(False) for rule in audience.rules]
        matched = pl.all_horizontal(exprs) if audience.match == "all" else pl.any_horizontal(exprs)
    else:
        matched = pl.lit(True)
    ids = pl.col(_ID).cast(pl.String)
    if audience.include:
        matched = matched | ids.is_in(list(audience.include))
    if audience.exclude:
        matched = matched & ~ids.is_in(list(audience.exclude))
    return attributes.filter(matched).select(ids).sort(_ID)


def audience_members(
    ws: Workspace,
    audience: str | Audience,
    *,
    as_of: dt.date | str,
    version: int | None = None,
    data: CustomerData | None = None,
) -> pl.DataFrame:
    """The members of ``audience`` (a name, ready-made or saved, or an :class:`Audience`) in the
    workspace at ``as_of``: ``customer_id``, sorted. The app, the CLI (``cimlab audience
    members``) and notebooks all come here, so they agree."""
    from cimlab.act.attributes import customer_attributes
    from cimlab.dates import to_date

    chosen = load_audience(ws, audience, version=version) if isinstance(audience, str) else audience
    day = to_date(as_of)
    attributes = customer_attributes(ws, as_of=day, fields=chosen.fields, data=data)
    return members(attributes, chosen)


# ------------------------------------------------------------------------------------------------
# Ready-made audiences
# ------------------------------------------------------------------------------------------------


#: Care reminders look this many days ahead (today included) in the ready-made ``care:`` lists.
CARE_DAYS = 7
_CARE = {
    "birthday": ("days_to_birthday", "Birthdays in the next 7 days"),
    "membership_anniversary": (
        "days_to_membership_anniversary",
        "Membership anniversaries in the next 7 days",
    ),
    "first_purchase_anniversary": (
        "days_to_first_purchase_anniversary",
        "First-purchase anniversaries in the next 7 days",
    ),
}


def ready_audiences() -> list[Audience]:
    """``all``, ``segment:<code>``, ``stage:<code>``, ``churn:<band>``, the care reminders
    ``care:birthday``, ``care:membership_anniversary``, ``care:first_purchase_anniversary``
    (the occasion in the next :data:`CARE_DAYS` days, today included) and the holiday greeting
    lists ``holiday:<code>`` (every customer, named for the occasion:
    :mod:`cimlab.act.holidays`), in that order. Suppression applies to all of them at export."""
    from cimlab.act.holidays import HOLIDAY_NAMES

    out = [Audience("all", title="Every customer")]
    for code in FIELDS["segment"].values:
        out.append(Audience(f"segment:{code}", rules=(Rule("segment", "=", code),)))
    for code in FIELDS["stage"].values:
        out.append(Audience(f"stage:{code}", rules=(Rule("stage", "=", code),)))
    for band in FIELDS["churn_band"].values:
        out.append(Audience(f"churn:{band}", rules=(Rule("churn_band", "=", band),)))
    for occasion, (field, title) in _CARE.items():
        window = Rule(field, "between", [0, CARE_DAYS - 1])
        out.append(Audience(f"care:{occasion}", rules=(window,), title=title))
    for code, (english, chinese) in HOLIDAY_NAMES.items():
        out.append(Audience(f"holiday:{code}", title=f"{english} greetings / {chinese}问候"))
    return out


def ready_audience(name: str) -> Audience | None:
    """The ready-made audience called ``name``, or None."""
    return next((a for a in ready_audiences() if a.name == name), None)


# ------------------------------------------------------------------------------------------------
# Workspace storage
# ------------------------------------------------------------------------------------------------


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return None


def _stored(row: tuple[Any, ...]) -> Audience:
    name, version, text, saved_at, saved_by = row
    audience = Audience.from_yaml(text, name=name)
    return dataclasses.replace(audience, version=version, saved_at=saved_at, saved_by=saved_by)


def save_audience(ws: Workspace, audience: Audience, *, user: str | None = None) -> Audience:
    """Save ``audience`` in ``ws``: a new version when its definition changed, else the latest
    version as it is. Returns the stored audience (with its version)."""
    audience = audience.checked()
    if audience.ready_made:
        raise AudienceError(f"{audience.name!r} is ready-made; save it under another name")
    ws.ensure_tables(DDL)
    text = audience.to_yaml()
    with ws.transaction() as con:
        found = con.sql(  # Arrow, not fetchone: timestamps with a zone need no pytz
            "SELECT name, version, yaml, saved_at, saved_by FROM audiences WHERE name = ? "
            "ORDER BY version DESC LIMIT 1",
            params=[audience.name],
        ).pl()
        latest = found.row(0) if found.height else None
        if latest is not None and latest[2] == text:
            return _stored(latest)
        version = 1 if latest is None else int(latest[1]) + 1
        at = dt.datetime.now(dt.UTC)
        by = user if user is not None else _user()
        con.execute(
            "INSERT INTO audiences VALUES (?, ?, ?, ?, ?)", [audience.name, version, text, at, by]
        )
    return dataclasses.replace(audience, version=version, saved_at=at, saved_by=by)


def load_audience(ws: Workspace, name: str, *, version: int | None = None) -> Audience:
    """A ready-made audience, or the saved one (its latest ``version`` unless given)."""
    ready = ready_audience(name)
    if ready is not None:
        return ready
    if name.startswith("holiday:"):  # the workspace's own greeting dates
        from cimlab.act.holidays import shop_holidays

        code = name.removeprefix("holiday:")
        if code in shop_holidays(ws):
            return Audience(name, title=f"{code} greetings")
    if not ws.has_table("audiences"):
        rows: list[tuple[Any, ...]] = []
    else:
        sql = "SELECT name, version, yaml, saved_at, saved_by FROM audiences WHERE name = ?"
        params: list[Any] = [name]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        rows = ws.query(sql + " ORDER BY version DESC LIMIT 1", params).rows()
    if not rows:
        which = f"version {version} of " if version is not None else ""
        raise AudienceError(
            f"no {which}audience {name!r} in {ws.path}; `cimlab audience list --workspace "
            f"{ws.path}` shows them (ready-made: all, segment:<code>, stage:<code>, churn:<band>)"
        )
    return _stored(rows[0])


def list_audiences(ws: Workspace, *, ready: bool = True) -> pl.DataFrame:
    """Saved audiences (latest versions) then, with ``ready``, the ready-made ones:
    ``name, title, kind (saved|ready), version, rules (text), saved_at, saved_by``."""
    rows: list[dict[str, Any]] = []
    if ws.has_table("audiences"):
        stored = ws.query(
            "SELECT name, version, yaml, saved_at, saved_by FROM audiences "
            "QUALIFY version = max(version) OVER (PARTITION BY name) ORDER BY name"
        ).rows()
        for row in stored:
            a = _stored(row)
            rows.append(_listing(a, "saved"))
    if ready:
        rows.extend(_listing(a, "ready") for a in ready_audiences())
    schema: dict[str, pl.DataType] = {
        "name": pl.String(),
        "title": pl.String(),
        "kind": pl.String(),
        "version": pl.Int64(),
        "rules": pl.String(),
        "saved_at": pl.Datetime("us", "UTC"),
        "saved_by": pl.String(),
    }
    return pl.DataFrame(rows, schema=schema)


def _listing(a: Audience, kind: str) -> dict[str, Any]:
    joiner = " AND " if a.match == "all" else " OR "
    return {
        "name": a.name,
        "title": a.title,
        "kind": kind,
        "version": a.version,
        "rules": joiner.join(str(r) for r in a.rules) or "(every customer)",
        "saved_at": a.saved_at,
        "saved_by": a.saved_by,
    }


def audience_versions(ws: Workspace, name: str) -> list[Audience]:
    """Every saved version of ``name``, oldest first."""
    if not ws.has_table("audiences"):
        return []
    rows = ws.query(
        "SELECT name, version, yaml, saved_at, saved_by FROM audiences WHERE name = ? "
        "ORDER BY version",
        [name],
    ).rows()
    return [_stored(row) for row in rows]


# ------------------------------------------------------------------------------------------------
# Include / exclude lists as CSV
# ------------------------------------------------------------------------------------------------

#: The CSV template of an include or exclude list (one customer id per line).
ID_LIST_HEADER = "customer_id"


def id_list_csv(ids: Iterable[str] = ()) -> bytes:
    """A CSV (UTF-8 with BOM, so Excel keeps the ids as text) with the ``customer_id`` header and
    ``ids``: the downloadable template when empty.

    >>> id_list_csv(["C001"]).decode("utf-8-sig")
    'customer_id\\nC001\\n'
    """
    from cimlab.export import table_bytes

    return table_bytes(
        pl.DataFrame({ID_LIST_HEADER: list(ids)}, schema={ID_LIST_HEADER: pl.String}), "csv"
    )


def read_id_list(source: str | Path | bytes) -> tuple[str, ...]:
    """Customer ids of an include/exclude CSV (a ``customer_id`` column; other columns are
    ignored; ids kept as text, leading zeros included; blank lines skipped).

    >>> read_id_list(b"customer_id,note\\n00123,x\\n\\nC9,\\n")
    ('00123', 'C9')
    """
    from cimlab.ingest.reading import read_bytes

    data = Path(source).read_bytes() if not isinstance(source, bytes) else source
    name = "ids.csv" if isinstance(source, bytes) else Path(source).name
    table = read_bytes(data, name=name).frame
    headers = {c.strip().lower(): c for c in table.columns}
    if ID_LIST_HEADER not in headers:
        raise AudienceError(
            f"{name}: no {ID_LIST_HEADER!r} column (found {', '.join(table.columns)}); "
            "download the template and put one customer id per line"
        )
    column = table[headers[ID_LIST_HEADER]].cast(pl.String).str.strip_chars()
    return tuple(dict.fromkeys(v for v in column.to_list() if v))
