"""Source records: one row per ``(channel, source_customer_id)`` with its usable identifiers.

A record appears in ``customers`` or as the customer reference of ``orders``, ``interactions``
or ``feedback``; its profile comes first, orders fill what it lacks (most recent non-null buyer
details). Masked names and phones are never identifiers.

Examples
--------
>>> import polars as pl
>>> customers = pl.DataFrame({"channel": ["wechat"], "source_customer_id": ["o1"],
...                           "phone": ["138 0013 8000"], "email": [" Li.Na@QQ.com "]})
>>> source_records({"customers": customers}).select("phone", "email").row(0)
('+8613800138000', 'li.na@qq.com')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from cimlab.identity.tables import RECORDS_SCHEMA, UTC_TIME
from cimlab.ingest.parsing import is_masked_name, is_masked_phone, normalize_email, normalize_phone
from cimlab.workspace import Workspace

__all__ = ["TABLE_COLUMNS", "load_tables", "records_from_tables", "source_records"]


TABLE_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "customers": {
        "channel": pl.String(),
        "source_customer_id": pl.String(),
        "name": pl.String(),
        "name_is_masked": pl.Boolean(),
        "phone": pl.String(),
        "phone_is_masked": pl.Boolean(),
        "email": pl.String(),
        "birth_date": pl.Date(),
        "city": pl.String(),
        "signup_date": pl.Date(),
        "batch_id": pl.Int64(),
        "source_line": pl.Int64(),
    },
    "orders": {
        "channel": pl.String(),
        "source_customer_id": pl.String(),
        "customer_name": pl.String(),
        "name_is_masked": pl.Boolean(),
        "phone": pl.String(),
        "phone_is_masked": pl.Boolean(),
        "email": pl.String(),
        "city": pl.String(),
        "order_ts": UTC_TIME,
    },
    "interactions": {"channel": pl.String(), "source_customer_id": pl.String(), "ts": UTC_TIME},
    "feedback": {"channel": pl.String(), "source_customer_id": pl.String(), "ts": UTC_TIME},
}


def _conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The columns identity needs, in order; optional ones missing become nulls."""
    wanted = TABLE_COLUMNS[table]
    for required in ("channel", "source_customer_id"):
        if required not in frame.columns:
            raise ValueError(
                f"the {table} frame has no {required!r} column; give canonical tables "
                "(see cimlab.contracts.models)."
            )
    exprs = []
    for name, dtype in wanted.items():
        if name in frame.columns:
            expr = pl.col(name)
            have = frame.schema[name]
            naive = isinstance(have, pl.Datetime) and have.time_zone is None
            if isinstance(dtype, pl.Datetime) and naive:
                expr = expr.dt.replace_time_zone("UTC")
            exprs.append(expr.cast(dtype))
        elif name in ("name_is_masked", "phone_is_masked"):
            source = "customer_name" if table == "orders" and name == "name_is_masked" else None
            source = source or ("name" if name == "name_is_masked" else "phone")
            if source in frame.columns:
                test = is_masked_name if name == "name_is_masked" else is_masked_phone
                exprs.append(test(pl.col(source)).fill_null(False).alias(name))
            else:
                exprs.append(pl.lit(False).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(exprs).filter(pl.col("source_customer_id").is_not_null())


def _usable_phone(phone: str, masked: str) -> pl.Expr:
    """E.164 phone unless masked (the flag, or the shape) or unreadable."""
    normal = normalize_phone(pl.col(phone))
    return (
        pl.when(~pl.col(masked) & normal.str.starts_with("+"))
        .then(normal)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def load_tables(
    run: Callable[[str], pl.DataFrame],
    *,
    decrypt: Callable[[pl.DataFrame, str], pl.DataFrame] | None = None,
) -> dict[str, pl.DataFrame]:
    """The columns identity needs of each canonical table, read with ``run`` (a SQL runner).

    ``decrypt`` (:meth:`Workspace.decrypt`) opens the personal-data columns of an encrypted
    workspace: names, phones, e-mails and birth dates are compared in memory, in clear.
    """
    out = {}
    for table, columns in TABLE_COLUMNS.items():
        names = ", ".join(f'"{c}"' for c in columns)
        frame = run(f"SELECT {names} FROM {table}")
        out[table] = frame if decrypt is None else decrypt(frame, table)
    return out


def source_records(ws_or_tables: Workspace | Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per source record with its usable identifiers (:data:`RECORDS_SCHEMA`).

    Parameters
    ----------
    ws_or_tables
        A workspace, or canonical frames by table name (``customers``, ``orders``,
        ``interactions``, ``feedback``; any may be missing; optional columns may be missing).

    Returns
    -------
    pl.DataFrame
        ``channel, source_customer_id, name, phone, email, city, birth_date, tables,
        first_seen``, sorted by channel and id. ``phone`` is E.164 and null when masked;
        ``name`` is null when masked. Values come from the latest ``customers`` row first,
        then from the most recent order that has them. ``tables`` lists where the record
        appears; ``first_seen`` is its earliest signup, order, interaction or feedback.

    Examples
    --------
    >>> import datetime as dt
    >>> orders = pl.DataFrame({
    ...     "channel": ["tmall"] * 3, "source_customer_id": ["tb1"] * 3,
    ...     "customer_name": ["林**", "林一", "林**"], "phone": ["13800138000", "138****8000", None],
    ...     "order_ts": [dt.datetime(2024, 1, d) for d in (1, 2, 3)]})
    >>> source_records({"orders": orders}).select("name", "phone", "tables").row(0)
    ('林一', '+8613800138000', ['orders'])
    """
    if isinstance(ws_or_tables, Workspace):
        tables = load_tables(ws_or_tables.query, decrypt=ws_or_tables.decrypt)
    else:
        unknown = sorted(set(ws_or_tables) - set(TABLE_COLUMNS))
        if unknown:
            raise ValueError(f"unknown tables {unknown}; give some of {', '.join(TABLE_COLUMNS)}.")
        tables = dict(ws_or_tables)
    return records_from_tables(tables)


def records_from_tables(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """:func:`source_records` of frames by table name (every table present, or missing)."""
    keys = ["channel", "source_customer_id"]
    empty = {t: pl.DataFrame(schema=c) for t, c in TABLE_COLUMNS.items()}
    frames = {t: _conform(tables.get(t, empty[t]), t) for t in TABLE_COLUMNS}

    c = frames["customers"]
    if c["batch_id"].null_count() < c.height:
        c = c.sort("batch_id", "source_line", nulls_last=False, maintain_order=True)
    prof = c.group_by(keys, maintain_order=True).agg(
        pl.when(~pl.col("name_is_masked")).then(pl.col("name")).drop_nulls().last().alias("c_name"),
        _usable_phone("phone", "phone_is_masked").drop_nulls().last().alias("c_phone"),
        normalize_email(pl.col("email")).drop_nulls().last().alias("c_email"),
        pl.col("city").drop_nulls().last().alias("c_city"),
        pl.col("birth_date").drop_nulls().last(),
    )
    o = frames["orders"].sort("order_ts", nulls_last=False, maintain_order=True)
    buys = o.group_by(keys, maintain_order=True).agg(
        pl.when(~pl.col("name_is_masked"))
        .then(pl.col("customer_name"))
        .drop_nulls()
        .last()
        .alias("o_name"),
        _usable_phone("phone", "phone_is_masked").drop_nulls().last().alias("o_phone"),
        normalize_email(pl.col("email")).drop_nulls().last().alias("o_email"),
        pl.col("city").drop_nulls().last().alias("o_city"),
    )
    seen = pl.concat(
        [
            frames["customers"].select(
                *keys,
                table=pl.lit("customers"),
                ts=pl.col("signup_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            ),
            frames["orders"].select(*keys, table=pl.lit("orders"), ts=pl.col("order_ts")),
            frames["interactions"].select(*keys, table=pl.lit("interactions"), ts=pl.col("ts")),
            frames["feedback"].select(*keys, table=pl.lit("feedback"), ts=pl.col("ts")),
        ]
    )
    where = (
        seen.group_by(*keys, "table", maintain_order=True)
        .agg(pl.col("ts").min())
        .group_by(keys, maintain_order=True)
        .agg(pl.col("table").alias("tables"), pl.col("ts").min().alias("first_seen"))
    )
    out = (
        where.join(prof, on=keys, how="left")
        .join(buys, on=keys, how="left")
        .select(
            *keys,
            name=pl.coalesce("c_name", "o_name").str.strip_chars(),
            phone=pl.coalesce("c_phone", "o_phone"),
            email=pl.coalesce("c_email", "o_email"),
            city=pl.coalesce("c_city", "o_city"),
            birth_date=pl.col("birth_date"),
            tables=pl.col("tables"),
            first_seen=pl.col("first_seen"),
        )
        .with_columns(pl.when(pl.col("name") != "").then(pl.col("name")).alias("name"))
        .sort(keys)
    )
    return out.cast(RECORDS_SCHEMA)  # type: ignore[arg-type]
