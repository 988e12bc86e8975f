"""The over-merge guard: keys that identify nobody (placeholders) or too many records are blocked.

Blocked keys are listed with their counts, masked and as a sha256 of ``"<key_type>:<value>"``,
never raw.

Examples
--------
>>> import polars as pl
>>> keys = pl.DataFrame({"key_type": ["phone", "phone", "email"],
...                      "key": ["+8613800000000", "+8613912345670", "noreply@shop.cn"]})
>>> keys.select(is_placeholder(IdentitySettings())).to_series().to_list()
[True, False, True]
"""

from __future__ import annotations

import hashlib

import polars as pl

from cimlab.identity.settings import IdentitySettings, check_settings
from cimlab.identity.tables import BLOCKED_SCHEMA
from cimlab.privacy import mask_email_expr, mask_phone_expr

__all__ = ["apply_guard", "blocked_frame", "guard_keys", "is_placeholder", "mask_key"]


def is_placeholder(s: IdentitySettings) -> pl.Expr:
    """Expression over ``key_type, key``: the key matches a placeholder pattern of ``s``."""
    phone = "|".join(f"(?:{p})" for p in s.placeholder_phones) or "$^"
    email = "|".join(f"(?:{p})" for p in s.placeholder_emails) or "$^"
    return (
        pl.when(pl.col("key_type") == "phone")
        .then(pl.col("key").str.contains(phone))
        .when(pl.col("key_type") == "email")
        .then(pl.col("key").str.contains(email))
        .otherwise(False)
    )


def mask_key() -> pl.Expr:
    """Expression over ``key_type, key``: the key as it may be shown (phones and e-mails
    masked, a shared id without its group prefix)."""
    return (
        pl.when(pl.col("key_type") == "phone")
        .then(mask_phone_expr(pl.col("key")))
        .when(pl.col("key_type") == "email")
        .then(mask_email_expr(pl.col("key")))
        .otherwise(pl.col("key").str.replace(r"^[0-9]+\|", ""))
    )


def _hash_keys(frame: pl.DataFrame) -> pl.Series:
    values = (frame["key_type"] + ":" + frame["key"]).to_list()
    return pl.Series(
        "key_hash", [hashlib.sha256(v.encode()).hexdigest() for v in values], dtype=pl.String
    )


def blocked_frame(counts: pl.DataFrame) -> pl.DataFrame:
    """(key_type, key, records, channels, reason) → :data:`BLOCKED_SCHEMA` without raw keys."""
    if counts.is_empty():
        return pl.DataFrame(schema=BLOCKED_SCHEMA)
    return (
        counts.with_columns(key_hash=_hash_keys(counts), key_masked=mask_key())
        .select(list(BLOCKED_SCHEMA))
        .cast(BLOCKED_SCHEMA)  # type: ignore[arg-type]
        .sort("reason", "records", "key_type", "key_hash", descending=[False, True, False, False])
    )


def apply_guard(keys: pl.DataFrame, s: IdentitySettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(usable keys, flagged keys)``: the flagged ones raw (``key_type, key, records, channels,
    reason``), for :func:`blocked_frame` to mask; :func:`guard_keys` is the public form."""
    counts = (
        keys.group_by("key_type", "key", "channel")
        .agg(in_channel=pl.len())
        .group_by("key_type", "key")
        .agg(
            records=pl.col("in_channel").sum().cast(pl.Int64),
            channels=pl.len().cast(pl.Int64),
            in_channel=pl.col("in_channel").max(),
        )
    )
    flagged = (
        counts.with_columns(
            reason=pl.when(is_placeholder(s))
            .then(pl.lit("placeholder"))
            .when(pl.col("records") > s.max_records_per_key)
            .then(pl.lit("too_many_records"))
            .when(pl.col("in_channel") > s.max_records_per_channel)
            .then(pl.lit("too_many_in_channel"))
        )
        .filter(pl.col("reason").is_not_null())
        .drop("in_channel")
    )
    usable = keys.join(flagged.select("key_type", "key"), on=["key_type", "key"], how="anti")
    return usable, flagged


def guard_keys(
    keys: pl.DataFrame, *, settings: IdentitySettings | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split keys into the usable ones and the blocked ones (the over-merge guard).

    Parameters
    ----------
    keys
        :func:`record_keys` output.
    settings
        ``max_records_per_key``, ``max_records_per_channel`` and the placeholder patterns.

    Returns
    -------
    tuple of pl.DataFrame
        The usable keys (same columns as ``keys``), and one row per blocked key
        (:data:`BLOCKED_SCHEMA`: masked, sha256, records, channels, reason ``placeholder``,
        ``too_many_records`` or ``too_many_in_channel``).

    Examples
    --------
    >>> keys = pl.DataFrame({"channel": ["shop", "shop"], "source_customer_id": ["1", "2"],
    ...                      "key_type": ["email", "email"], "key": ["test@test.com", "li@qq.com"]})
    >>> usable, blocked = guard_keys(keys)
    >>> usable["key"].to_list(), blocked.select("key_masked", "reason").row(0)
    (['li@qq.com'], ('t***@test.com', 'placeholder'))
    """
    s = check_settings(settings)
    usable, flagged = apply_guard(keys, s)
    return usable, blocked_frame(flagged)
