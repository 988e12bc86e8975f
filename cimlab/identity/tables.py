"""The identity tables: their columns as frames (schemas) and in the database (DDL).

Examples
--------
>>> list(MAP_SCHEMA)
['channel', 'source_customer_id', 'customer_id', 'rule', 'key_type', 'score']
>>> len(DDL)
9
"""

from __future__ import annotations

import polars as pl

from cimlab.workspace import IDENTITY_MAP_SCHEMA

__all__ = [
    "BLOCKED_SCHEMA",
    "DDL",
    "HOUSEHOLDS_SCHEMA",
    "KEYS_SCHEMA",
    "LINKS_SCHEMA",
    "MAP_SCHEMA",
    "OVERRIDES_SCHEMA",
    "RECORDS_SCHEMA",
    "REVIEW_SCHEMA",
    "UTC_TIME",
]


#: The type of every time column: microseconds, UTC.
UTC_TIME = pl.Datetime("us", "UTC")

#: Columns of :func:`~cimlab.identity.source_records`.
RECORDS_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "name": pl.String(),
    "phone": pl.String(),
    "email": pl.String(),
    "city": pl.String(),
    "birth_date": pl.Date(),
    "tables": pl.List(pl.String()),
    "first_seen": UTC_TIME,
}
#: Columns of :func:`~cimlab.identity.record_keys`.
KEYS_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "key_type": pl.String(),
    "key": pl.String(),
}
#: Columns of :func:`~cimlab.identity.customer_map` (``identity_map`` without ``resolved_at``):
#: the workspace's :data:`~cimlab.workspace.IDENTITY_MAP_SCHEMA`, read by one reader.
MAP_SCHEMA: dict[str, pl.DataType] = IDENTITY_MAP_SCHEMA
#: Columns of ``Resolution.links`` (``identity_links`` without ``resolved_at``).
LINKS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "channel_a": pl.String(),
    "source_customer_id_a": pl.String(),
    "channel_b": pl.String(),
    "source_customer_id_b": pl.String(),
    "rule": pl.String(),
    "key_type": pl.String(),
    "key_masked": pl.String(),
    "score": pl.Float64(),
    "name_score": pl.Float64(),
    "same_birth_date": pl.Boolean(),
    "user_name": pl.String(),
    "decided_at": UTC_TIME,
}
#: Columns of :func:`~cimlab.identity.guard_keys`'s blocked frame and :func:`~cimlab.identity.blocked_keys`.
BLOCKED_SCHEMA: dict[str, pl.DataType] = {
    "key_type": pl.String(),
    "key_hash": pl.String(),
    "key_masked": pl.String(),
    "records": pl.Int64(),
    "channels": pl.Int64(),
    "reason": pl.String(),
}
#: Columns of ``Resolution.review`` (open proposals).
REVIEW_SCHEMA: dict[str, pl.DataType] = {
    "review_id": pl.String(),
    "channel_a": pl.String(),
    "source_customer_id_a": pl.String(),
    "channel_b": pl.String(),
    "source_customer_id_b": pl.String(),
    "score": pl.Float64(),
    "name_score": pl.Float64(),
    "same_city": pl.Boolean(),
    "same_birth_date": pl.Boolean(),
}
#: Columns of ``Resolution.households`` and :func:`~cimlab.identity.customer_households`
#: (``identity_households`` without ``resolved_at``): one row per customer and other customer
#: of its household, per reason (``shared_phone`` / ``shared_email``), the key masked.
HOUSEHOLDS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "household_id": pl.String(),
    "reason": pl.String(),
    "shared_with": pl.String(),
    "key_masked": pl.String(),
}
#: Columns of the ``identity_overrides`` table (one row per record of a manual action).
OVERRIDES_SCHEMA: dict[str, pl.DataType] = {
    "override_id": pl.Int64(),
    "action": pl.String(),
    "part": pl.Int64(),
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "customer_id": pl.String(),
    "created_at": UTC_TIME,
    "user_name": pl.String(),
    "note": pl.String(),
}

#: The identity tables; :func:`~cimlab.identity.resolve` creates them with ``Workspace.ensure_tables``.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS identity_map (
        channel VARCHAR NOT NULL, source_customer_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, key_type VARCHAR, score DOUBLE,
        resolved_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (channel, source_customer_id))""",
    """CREATE TABLE IF NOT EXISTS identity_links (
        customer_id VARCHAR NOT NULL, channel_a VARCHAR NOT NULL,
        source_customer_id_a VARCHAR NOT NULL, channel_b VARCHAR NOT NULL,
        source_customer_id_b VARCHAR NOT NULL, rule VARCHAR NOT NULL, key_type VARCHAR,
        key_masked VARCHAR, score DOUBLE, name_score DOUBLE, same_birth_date BOOLEAN,
        user_name VARCHAR, decided_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_blocked_keys (
        key_type VARCHAR NOT NULL, key_hash VARCHAR NOT NULL, key_masked VARCHAR,
        records BIGINT NOT NULL, channels BIGINT NOT NULL, reason VARCHAR NOT NULL,
        resolved_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_review (
        review_id VARCHAR PRIMARY KEY, channel_a VARCHAR NOT NULL,
        source_customer_id_a VARCHAR NOT NULL, channel_b VARCHAR NOT NULL,
        source_customer_id_b VARCHAR NOT NULL, score DOUBLE NOT NULL, name_score DOUBLE,
        same_city BOOLEAN, same_birth_date BOOLEAN,
        status VARCHAR NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
        proposed_at TIMESTAMPTZ NOT NULL, decided_at TIMESTAMPTZ, decided_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_overrides (
        override_id BIGINT NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN ('merge', 'split', 'accept', 'reject')),
        part BIGINT NOT NULL, channel VARCHAR NOT NULL, source_customer_id VARCHAR NOT NULL,
        customer_id VARCHAR, created_at TIMESTAMPTZ NOT NULL, user_name VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_ids (
        customer_id VARCHAR PRIMARY KEY, number BIGINT NOT NULL,
        issued_at TIMESTAMPTZ NOT NULL, retired_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS identity_runs (
        run_id BIGINT NOT NULL, resolved_at TIMESTAMPTZ NOT NULL, fuzzy BOOLEAN NOT NULL,
        settings VARCHAR NOT NULL, summary VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_households (
        customer_id VARCHAR NOT NULL, household_id VARCHAR NOT NULL, reason VARCHAR NOT NULL,
        shared_with VARCHAR NOT NULL, key_masked VARCHAR, resolved_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_household_ids (
        household_id VARCHAR PRIMARY KEY, number BIGINT NOT NULL,
        issued_at TIMESTAMPTZ NOT NULL, retired_at TIMESTAMPTZ)""",
)
