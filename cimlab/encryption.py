"""Encryption at rest: the personal-data columns of a workspace, sealed with AES-256-GCM.

Why columns and not the whole DuckDB file: DuckDB's own database encryption writes securely
only with its ``httpfs`` extension (OpenSSL) loaded, which is not installable for DuckDB 2.0
here; its built-in fallback is ``force_mbedtls_unsafe``. So cimlab encrypts every value of the
personal-data columns (:data:`PERSONAL_COLUMNS`: names, phones, e-mails, birth dates, and the
raw values of quarantined lines) with ``cryptography``'s AES-256-GCM before they reach DuckDB,
its WAL or the import's staging files. Each value gets a random 96-bit nonce and the
``table.column`` it belongs to as associated data, so a value moved to another column no
longer decrypts. Stored as text in the same column: ``enc1:`` + base64(nonce ‖ ciphertext ‖ tag).
Order amounts, dates, channels and ids stay clear, so analyses read them as fast as before and
never decrypt; the readers of personal data (identity resolution, the 360 profile, search,
golden records and exports, the quarantine) decrypt in memory.

The key is 32 random bytes given as base64 or hex in ``CIMLAB_WORKSPACE_KEY``, or in a file
named by ``CIMLAB_WORKSPACE_KEY_FILE`` (refused inside the workspace folder);
``cimlab workspace keygen`` prints a new one. HKDF-SHA256 derives three subkeys from it: the
AES key, an HMAC key for keyed hashes (:meth:`ColumnCipher.keyed_hash`) and the key check. The
workspace keeps only the key check (an HMAC of a constant, in ``meta``), which tells a wrong key
from the right one; the key itself is never stored, logged or put in an error message.

Examples
--------
>>> cipher = ColumnCipher(bytes(32))
>>> sealed = cipher.seal("13800138000", table="customers", column="phone")
>>> sealed.startswith(PREFIX), cipher.open(sealed, table="customers", column="phone")
(True, '13800138000')
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cimlab.errors import WorkspaceError

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from cimlab.workspace import Workspace

__all__ = [
    "ENV_KEY",
    "ENV_KEY_FILE",
    "KEY_CHECK_META",
    "PERSONAL_COLUMNS",
    "PREFIX",
    "ColumnCipher",
    "Conversion",
    "WorkspaceKeyError",
    "encrypt_workspace",
    "generate_key",
    "load_key",
    "parse_key",
    "rekey_workspace",
]

ENV_KEY = "CIMLAB_WORKSPACE_KEY"
ENV_KEY_FILE = "CIMLAB_WORKSPACE_KEY_FILE"
PREFIX = "enc1:"
"""Start of every sealed value (version 1: AES-256-GCM, 12-byte nonce, 16-byte tag)."""
KEY_CHECK_META = "encryption_key_check"
"""The ``meta`` key under which an encrypted workspace keeps its key check."""

#: Columns sealed in an encrypted workspace, by table. ``city``, ``region`` and ``country`` stay
#: clear (analyses group by them; no street address is kept); so do the masked/unmasked flags.
PERSONAL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "customers": ("name", "email", "phone", "birth_date"),
    "orders": ("customer_name", "phone", "email"),
    "quarantine": ("value", "row_json"),
    "suppression_list": ("value",),
    # the contacts of cimlab.act.snapshot (Parquet files in the workspace folder)
    "snapshot_contacts": ("name", "email", "phone", "email_canonical"),
}

_log = logging.getLogger("cimlab.encryption")
_KEY_BYTES = 32
_NONCE_BYTES = 12
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
_CHECK_CONSTANT = b"cimlab workspace key check v1"


class WorkspaceKeyError(WorkspaceError):
    """The workspace key is missing, malformed or not the one the workspace was encrypted with.

    Its message never holds the key.
    """


def generate_key() -> str:
    """A new workspace key: 32 random bytes as base64 (what ``cimlab workspace keygen`` prints).

    Examples
    --------
    >>> len(parse_key(generate_key()))
    32
    """
    return base64.b64encode(os.urandom(_KEY_BYTES)).decode("ascii")


def parse_key(text: str, *, source: str = ENV_KEY) -> bytes:
    """The 32 key bytes of ``text`` (64 hex digits, or base64); ``source`` names it in errors.

    Examples
    --------
    >>> parse_key("00" * 32) == bytes(32)
    True
    >>> parse_key("short")
    Traceback (most recent call last):
    ...
    cimlab.encryption.WorkspaceKeyError: CIMLAB_WORKSPACE_KEY is not a workspace key ...
    """
    value = text.strip()
    if _HEX_KEY.fullmatch(value):
        return bytes.fromhex(value)
    try:
        key = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise WorkspaceKeyError(
            f"{source} is not a workspace key (32 random bytes as base64 or 64 hex digits); "
            "make one with `cimlab workspace keygen`"
        )
    return key


def load_key(
    workspace: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> bytes | None:
    """The workspace key from the environment, or None when neither variable is set.

    ``CIMLAB_WORKSPACE_KEY`` wins over ``CIMLAB_WORKSPACE_KEY_FILE``. A key file inside the
    ``workspace`` folder is refused: it would travel with the data it protects.

    Examples
    --------
    >>> load_key(environ={}) is None
    True
    >>> load_key(environ={"CIMLAB_WORKSPACE_KEY": "ab" * 32}) == bytes([0xAB]) * 32
    True
    """
    env = os.environ if environ is None else environ
    text = env.get(ENV_KEY, "")
    if text.strip():
        return parse_key(text, source=ENV_KEY)
    name = env.get(ENV_KEY_FILE, "")
    if not name.strip():
        return None
    file = Path(name).expanduser().resolve()
    if workspace is not None and file.is_relative_to(Path(workspace).expanduser().resolve()):
        raise WorkspaceKeyError(
            f"{ENV_KEY_FILE} points inside the workspace folder {workspace}; keep the key file "
            "outside it (a copy of the folder would carry its own key)"
        )
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise WorkspaceKeyError(
            f"cannot read the key file named by {ENV_KEY_FILE} ({file}: {reason})"
        ) from None
    return parse_key(content, source=f"the key file {file}")


def _derive(key: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=purpose).derive(key)


class ColumnCipher:
    """Seal and open personal-data values with subkeys of one workspace key.

    ``key`` is the 32-byte workspace key (:func:`load_key`). The object never shows it.

    Examples
    --------
    >>> import polars as pl
    >>> cipher = ColumnCipher(bytes(32))
    >>> frame = pl.DataFrame({"phone": ["13800138000", None], "channel": ["shop", "shop"]})
    >>> sealed = cipher.seal_frame(frame, table="customers")
    >>> sealed["channel"].to_list(), sealed["phone"][1]
    (['shop', 'shop'], None)
    >>> cipher.open_frame(sealed, table="customers").equals(frame)
    True
    """

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not isinstance(key, bytes) or len(key) != _KEY_BYTES:
            raise WorkspaceKeyError("a workspace key is 32 bytes")
        self._aead = AESGCM(_derive(key, b"cimlab column aes-256-gcm v1"))
        self._hmac_key = _derive(key, b"cimlab keyed hash hmac-sha256 v1")
        check_key = _derive(key, b"cimlab key check v1")
        self.key_check = hmac.new(check_key, _CHECK_CONSTANT, hashlib.sha256).hexdigest()
        """HMAC-SHA256 of a constant: what the workspace stores to recognise its key."""

    def __repr__(self) -> str:
        return f"ColumnCipher(key_check={self.key_check[:8]}…)"

    # ---------------------------------------------------------------- one value

    def seal(self, value: str, *, table: str, column: str) -> str:
        """``enc1:`` + base64(nonce ‖ AES-GCM(value)), bound to ``table.column``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), f"{table}.{column}".encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, *, table: str, column: str) -> str:
        """The clear text of a value :meth:`seal` made for the same ``table.column``."""
        from cryptography.exceptions import InvalidTag

        if not sealed.startswith(PREFIX):
            raise WorkspaceKeyError(
                f"{table}.{column} holds a value that is not encrypted in an encrypted "
                "workspace (written by something other than cimlab?); restore a backup"
            )
        try:
            raw = base64.b64decode(sealed[len(PREFIX) :], validate=True)
            return self._aead.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], f"{table}.{column}".encode()
            ).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise WorkspaceKeyError(
                f"a value of {table}.{column} does not decrypt with this key (damaged, or "
                "moved from another column); restore a backup"
            ) from None

    def keyed_hash(self, value: str, *, kind: str) -> str:
        """HMAC-SHA256 (hex) of an already normalised ``value`` of ``kind`` (``phone``...).

        Equal values of one kind give equal hashes under one key, so equality can be tested
        without decrypting; without the key the hash says nothing (a plain SHA-256 of a phone
        number is reversed by trying every number).

        Examples
        --------
        >>> c = ColumnCipher(bytes(32))
        >>> c.keyed_hash("+8613800138000", kind="phone") == c.keyed_hash(
        ...     "+8613800138000", kind="phone")
        True
        """
        message = kind.encode() + b"\x1f" + value.encode("utf-8")
        return hmac.new(self._hmac_key, message, hashlib.sha256).hexdigest()

    # ---------------------------------------------------------------- frames

    def seal_frame(self, frame: pl.DataFrame, *, table: str) -> pl.DataFrame:
        """``frame`` with the :data:`PERSONAL_COLUMNS` of ``table`` it holds sealed (as String).

        Dates are sealed as ISO text; nulls stay null.
        """
        import polars as pl

        columns = [c for c in PERSONAL_COLUMNS.get(table, ()) if c in frame.columns]
        if not columns:
            return frame
        sealed = []
        for column in columns:
            values = frame[column].cast(pl.String).to_list()
            out = [None if v is None else self.seal(v, table=table, column=column) for v in values]
            sealed.append(pl.Series(column, out, dtype=pl.String))
        return frame.with_columns(sealed)

    def open_frame(
        self,
        frame: pl.DataFrame,
        *,
        table: str,
        dtypes: Mapping[str, pl.DataType] | None = None,
    ) -> pl.DataFrame:
        """``frame`` with the sealed :data:`PERSONAL_COLUMNS` of ``table`` opened.

        ``dtypes`` gives a column's clear dtype when it is not String (``birth_date``: Date);
        without it the contract's dtype of a canonical table is used.
        """
        import polars as pl

        columns = [c for c in PERSONAL_COLUMNS.get(table, ()) if c in frame.columns]
        if not columns:
            return frame
        if dtypes is None:
            dtypes = _contract_dtypes(table)
        opened = []
        for column in columns:
            values = frame[column].cast(pl.String).to_list()
            out = [None if v is None else self.open(v, table=table, column=column) for v in values]
            series = pl.Series(column, out, dtype=pl.String)
            dtype = dtypes.get(column, pl.String())
            if dtype == pl.Date:
                series = series.str.to_date("%Y-%m-%d")
            elif dtype != pl.String:
                series = series.cast(dtype)
            opened.append(series)
        return frame.with_columns(opened)


def _contract_dtypes(table: str) -> dict[str, pl.DataType]:
    from cimlab.contracts.columns import TABLES, polars_schema

    return dict(polars_schema(table)) if table in TABLES else {}


# -------------------------------------------------------------------- converting a workspace

_CONVERTING = ".cimlab.converting.duckdb"
"""The new database while :func:`encrypt_workspace` / :func:`rekey_workspace` build it."""


@dataclass(frozen=True)
class Conversion:
    """What :func:`encrypt_workspace` or :func:`rekey_workspace` did.

    ``tables``: rows per table, the same before and after (verified); ``values``: personal-data
    values encrypted and verified to decrypt to the originals; ``clear_copy``: the old
    database, kept only when asked for (it holds personal data in clear).
    """

    path: Path
    tables: Mapping[str, int]
    values: int
    clear_copy: Path | None = None


def encrypt_workspace(
    path: str | os.PathLike[str], *, keep_clear_copy: str | os.PathLike[str] | None = None
) -> Conversion:
    """Encrypt the personal data of the clear workspace ``path`` with the key of the environment.

    The encrypted database is written beside the old one and verified (rows per table, every
    encrypted value decrypts to the original) before it replaces it; until then the old one is
    untouched, so a failure or crash leaves a workspace that opens as before. The old database
    is then removed (it holds personal data in clear) unless ``keep_clear_copy`` names a file
    to keep it in. Snapshots (clear contacts) are removed; they are computed again on demand.
    Backups written before stay clear: replace them.
    """
    from cimlab.workspace import Workspace

    ws = Workspace.open(path, create=False)
    if ws.encrypted:
        raise WorkspaceKeyError(
            f"workspace {ws.path} is already encrypted; `cimlab workspace rekey` changes its key"
        )
    key = load_key(ws.path)
    if key is None:
        raise WorkspaceKeyError(
            f"set {ENV_KEY} or {ENV_KEY_FILE} to the key to encrypt {ws.path} with "
            "(`cimlab workspace keygen` makes one)"
        )
    return _convert(ws, old=None, new=ColumnCipher(key), keep=keep_clear_copy)


def rekey_workspace(path: str | os.PathLike[str], *, new_key: bytes) -> Conversion:
    """Re-encrypt the encrypted workspace ``path`` (opened with the key of the environment)
    with ``new_key``, verified as :func:`encrypt_workspace` does before the old one goes.

    From then on only ``new_key`` opens it; backups written before keep the old key.
    """
    from cimlab.workspace import Workspace

    ws = Workspace.open(path, create=False)
    if ws.cipher is None:
        raise WorkspaceKeyError(
            f"workspace {ws.path} is not encrypted; `cimlab workspace encrypt` encrypts it"
        )
    new = ColumnCipher(new_key)
    if hmac.compare_digest(new.key_check, ws.cipher.key_check):
        raise WorkspaceKeyError("the new key is the key the workspace has; give another one")
    return _convert(ws, old=ws.cipher, new=new, keep=None)


def _convert(
    ws: Workspace,
    *,
    old: ColumnCipher | None,
    new: ColumnCipher,
    keep: str | os.PathLike[str] | None,
) -> Conversion:
    import duckdb

    from cimlab.workspace import _WAL, _fsync_dir

    kept = None if keep is None else Path(keep).expanduser().resolve()
    if kept is not None and kept.exists():
        raise WorkspaceError(f"{kept} exists; give a new file for the clear copy")
    target = ws.path / _CONVERTING
    with ws._writer_lock():
        with ws._connect(read_only=False) as con:
            con.execute("CHECKPOINT")  # the whole database in its file, no WAL left
        if (ws.path / _WAL).exists():
            raise WorkspaceError(
                f"{ws.path / _WAL} is still there after a checkpoint (another process has the "
                "database open?); close the app and try again. Nothing was changed"
            )
        for left in (target, Path(f"{target}.wal")):
            left.unlink(missing_ok=True)
        try:
            con = duckdb.connect(str(target))
            try:
                _copy(con, ws.db_path, old=old, new=new)
            finally:
                con.close()
            tables, values = _verify(ws.db_path, target, old=old, new=new)
            if kept is not None:
                shutil.copy2(ws.db_path, kept)
            os.replace(target, ws.db_path)
            _fsync_dir(ws.path)
        finally:
            for left in (target, Path(f"{target}.wal")):
                left.unlink(missing_ok=True)
        from cimlab.act.snapshot import SNAPSHOTS_DIR

        shutil.rmtree(ws.path / SNAPSHOTS_DIR, ignore_errors=True)
    _log.info(
        "workspace %s %s: %d tables, %d personal values verified",
        ws.path,
        "encrypted" if old is None else "re-encrypted with a new key",
        len(tables),
        values,
    )
    return Conversion(ws.path, tables, values, kept)


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_database()").fetchall()[0][0])


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return [
        (str(name), str(sql))
        for name, sql in con.execute(
            "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name",
            [database],
        ).fetchall()
    ]


def _copy(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    *,
    old: ColumnCipher | None,
    new: ColumnCipher,
) -> None:
    """Build the new database on ``con`` from ``source``: same tables and rows, personal data
    sealed with ``new`` (opened with ``old`` first when the source is encrypted)."""
    import polars as pl

    from cimlab.contracts.columns import TABLES
    from cimlab.workspace import _table_ddl

    con.execute("SET TimeZone = 'UTC'")
    quoted = str(source).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS old_db (READ_ONLY)")
    con.execute("BEGIN TRANSACTION")
    for name, sql in _tables(con, "old_db"):
        con.execute(_table_ddl(name, name, encrypted=True) if name in TABLES else sql)
        origin = f'old_db.main."{name}"'
        if name in PERSONAL_COLUMNS or name == "identity_blocked_keys":
            frame = con.sql(f"SELECT * FROM {origin}").pl()
            if name == "identity_blocked_keys":  # keyed hashes, never plain SHA-256 of a key
                hashed = [new.keyed_hash(h, kind="blocked_key") for h in frame["key_hash"]]
                frame = frame.with_columns(pl.Series("key_hash", hashed, dtype=pl.String))
            else:
                clear = frame if old is None else old.open_frame(frame, table=name)
                frame = new.seal_frame(clear, table=name)
            con.register("incoming_rows", frame.to_arrow())
            con.execute(f'INSERT INTO "{name}" SELECT * FROM incoming_rows')
            con.unregister("incoming_rows")
        else:
            con.execute(f'INSERT INTO "{name}" SELECT * FROM {origin}')
    con.execute("DELETE FROM meta WHERE key = ?", [KEY_CHECK_META])
    con.execute("INSERT INTO meta VALUES (?, ?)", [KEY_CHECK_META, new.key_check])
    con.execute("COMMIT")
    con.execute("DETACH old_db")
    con.execute("CHECKPOINT")


def _verify(
    source: Path, target: Path, *, old: ColumnCipher | None, new: ColumnCipher
) -> tuple[dict[str, int], int]:
    """Rows per table equal, every personal value of ``target`` decrypts (with ``new``) to the
    value of ``source``, and ``target`` carries ``new``'s key check; raises otherwise."""
    import duckdb

    def fail(what: str) -> WorkspaceError:
        return WorkspaceError(
            f"the encrypted copy of {source.parent} did not verify ({what}); the workspace is "
            "unchanged"
        )

    counts: dict[str, int] = {}
    values = 0
    before = duckdb.connect(str(source), read_only=True)
    after = duckdb.connect(str(target), read_only=True)
    try:
        for con in (before, after):
            con.execute("SET TimeZone = 'UTC'")
        names = [n for n, _ in _tables(before, _database(before))]
        names_after = [n for n, _ in _tables(after, _database(after))]
        if names != names_after:
            raise fail(f"tables {sorted(set(names) ^ set(names_after))} differ")
        for name in names:
            # the key check is the one row of meta a conversion changes
            where = f" WHERE key <> '{KEY_CHECK_META}'" if name == "meta" else ""
            n_before = before.execute(f'SELECT count(*) FROM "{name}"{where}').fetchall()[0][0]
            n_after = after.execute(f'SELECT count(*) FROM "{name}"{where}').fetchall()[0][0]
            if n_before != n_after:
                raise fail(f"table {name}: {n_before} rows before, {n_after} after")
            counts[name] = int(n_after)
            columns = PERSONAL_COLUMNS.get(name, ())
            if not columns or not n_after:
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            was = before.sql(f'SELECT {listed} FROM "{name}"').pl()
            now = after.sql(f'SELECT {listed} FROM "{name}"').pl()
            clear_was = was if old is None else old.open_frame(was, table=name)
            clear_now = new.open_frame(now, table=name)
            for column in columns:
                sealed = now[column].drop_nulls()
                if not sealed.str.starts_with(PREFIX).all():
                    raise fail(f"{name}.{column} holds values that are not encrypted")
                if not clear_now[column].cast(clear_was[column].dtype).equals(clear_was[column]):
                    raise fail(f"{name}.{column} does not decrypt to the original values")
                values += sealed.len()
        check = after.execute("SELECT value FROM meta WHERE key = ?", [KEY_CHECK_META]).fetchall()
        if [r[0] for r in check] != [new.key_check]:
            raise fail("the key check is not the new key's")
    finally:
        before.close()
        after.close()
    return counts, values
