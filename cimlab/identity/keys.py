"""Keys: the identifiers a record offers (phone, e-mail, shared id), before the guard.

Examples
--------
>>> import polars as pl
>>> recs = pl.DataFrame({"channel": ["shop", "wechat"], "source_customer_id": ["1", "o1"],
...                      "phone": ["+8613912345670", None], "email": [None, "x@qq.com"]})
>>> key_rows(prepare_records(recs), IdentitySettings()).select("rid", "key_type").rows()
[(0, 'phone'), (1, 'email')]
"""

from __future__ import annotations

import polars as pl

from cimlab.contacts import canonical_email_expr
from cimlab.identity.settings import IdentitySettings, check_settings
from cimlab.identity.tables import KEYS_SCHEMA, RECORDS_SCHEMA

__all__ = ["key_rows", "prepare_records", "record_keys"]


def prepare_records(records: pl.DataFrame) -> pl.DataFrame:
    """Records with every :data:`RECORDS_SCHEMA` column, sorted, with a ``rid`` row number."""
    for required in ("channel", "source_customer_id"):
        if required not in records.columns:
            raise ValueError(f"records have no {required!r} column; use source_records().")
    fill = [
        pl.lit(None, dtype=d).alias(c)
        for c, d in RECORDS_SCHEMA.items()
        if c not in records.columns
    ]
    rec = (
        records.with_columns(fill)
        .select(list(RECORDS_SCHEMA))
        .cast(RECORDS_SCHEMA)  # type: ignore[arg-type]
        .filter(pl.col("channel").is_not_null() & pl.col("source_customer_id").is_not_null())
        .sort("channel", "source_customer_id")
    )
    dup = rec.select("channel", "source_customer_id").is_duplicated()
    if dup.any():
        first = rec.filter(dup).row(0, named=True)
        raise ValueError(
            f"records hold ({first['channel']}, {first['source_customer_id']}) more than once; "
            "give one row per source record (source_records() does)."
        )
    return rec.with_row_index("rid")


def key_rows(rec: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    """(rid, channel, key_type, key) for records carrying ``rid``."""
    parts = [
        rec.select("rid", "channel", key_type=pl.lit("phone"), key=pl.col("phone")),
        # one mailbox, one key: gmail.com / googlemail.com ignore dots and +tags
        # (cimlab.contacts.EMAIL_PROVIDER_RULES); other domains keep their spelling
        rec.select(
            "rid",
            "channel",
            key_type=pl.lit("email"),
            key=pl.coalesce(canonical_email_expr(pl.col("email")), pl.col("email")),
        ),
    ]
    for g, group in enumerate(s.shared_id_groups):
        parts.append(
            rec.filter(pl.col("channel").is_in(list(group))).select(
                "rid",
                "channel",
                key_type=pl.lit("shared_id"),
                key=pl.lit(f"{g}|") + pl.col("source_customer_id"),
            )
        )
    return pl.concat(parts).filter(pl.col("key").is_not_null())


def record_keys(records: pl.DataFrame, *, settings: IdentitySettings | None = None) -> pl.DataFrame:
    """Every identifier a record offers (:data:`KEYS_SCHEMA`), before the over-merge guard.

    ``key_type`` is ``phone`` (E.164), ``email`` (its canonical spelling:
    :func:`cimlab.contacts.canonical_email`, so ``J.Smith+shop@googlemail.com`` and
    ``jsmith@gmail.com`` are one key) or ``shared_id`` (``"<group>|<source id>"`` for channels of
    ``settings.shared_id_groups``). Keys stay in memory: nothing stores them raw.

    Examples
    --------
    >>> recs = pl.DataFrame({"channel": ["call_centre"], "source_customer_id": ["0001034"],
    ...                      "phone": [None], "email": ["a.li@qq.com"]})
    >>> record_keys(recs).select("key_type", "key").rows()
    [('email', 'a.li@qq.com'), ('shared_id', '0|0001034')]
    >>> aliases = pl.DataFrame({"channel": ["shop", "crm"], "source_customer_id": ["1", "2"],
    ...                         "email": ["j.smith+shop@googlemail.com", "jsmith@gmail.com"]})
    >>> record_keys(aliases)["key"].to_list()
    ['jsmith@gmail.com', 'jsmith@gmail.com']
    """
    s = check_settings(settings)
    rec = prepare_records(records)
    keys = key_rows(rec, s)
    return keys.join(rec.select("rid", "source_customer_id"), on="rid").select(list(KEYS_SCHEMA))
