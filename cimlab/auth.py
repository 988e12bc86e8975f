"""Users, roles and sign-in of a workspace shared by a team.

Sign-in is off while the workspace has no user (one analyst on a laptop: everything allowed)
and on as soon as one exists (``cimlab users add NAME --role ROLE``). Users live in the
workspace table ``auth_users`` (so backups carry them), each with a role of :data:`ROLES` and
a password stored only as an Argon2id hash (argon2-cffi's ``PasswordHasher``). A user added
without a password signs in only through the company's identity provider (OIDC, Streamlit's
``st.login``): :func:`oidc_user` maps the provider's e-mail to such a user.

What each role may do is written once, in :data:`PERMISSIONS`; :func:`allowed` answers it.

Failed sign-ins are rate-limited per user name, across sessions and processes: after
:data:`MAX_FAILURES` failures within :data:`LOCK_WINDOW` the name is locked for
:data:`LOCK_WINDOW` (the failures are ``sign_in_failed`` rows of ``audit_events``, keyed by a
salted hash of the name, so a password typed into the name field is never stored). The answer
never says whether the name exists, and a password is verified against a dummy hash for an
unknown name, so timing does not tell either. No password, hash or salt reaches a log or a
message.

Sessions expire after :func:`idle_timeout` without activity (``$CIMLAB_SESSION_IDLE_MINUTES``,
default 30) and :data:`ABSOLUTE_TIMEOUT` after sign-in (:meth:`Session.expired`).

Examples
--------
>>> allowed("viewer", "page.customers"), allowed("marketer", "export"), allowed("admin", "undo")
(False, True, True)
>>> import tempfile, datetime as dt
>>> from cimlab.workspace import Workspace
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> auth_enabled(ws)
False
>>> add_user(ws, "ann", role="admin", password="correct horse", at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> sign_in(ws, "ann", "correct horse", at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)).role
'admin'
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import polars as pl

from cimlab.audit import AUDIT_DDL, record_event
from cimlab.dates import as_utc
from cimlab.errors import CimlabError, WorkspaceBusy

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "ABSOLUTE_TIMEOUT",
    "ACTIONS",
    "IDLE_ENV",
    "LOCK_WINDOW",
    "MAX_FAILURES",
    "MIN_PASSWORD",
    "PAGES",
    "PERMISSIONS",
    "ROLES",
    "USERS_SCHEMA",
    "AuthError",
    "NotAllowed",
    "Session",
    "SignInFailed",
    "User",
    "add_user",
    "allowed",
    "auth_enabled",
    "get_user",
    "idle_timeout",
    "list_users",
    "normalize_name",
    "oidc_providers",
    "oidc_user",
    "remove_user",
    "set_password",
    "set_role",
    "sign_in",
]

_log = logging.getLogger(__name__)

ROLES: Final = ("viewer", "marketer", "admin")
"""The roles, least allowed first."""

PAGES: Final = (
    "import",
    "overview",
    "customers",
    "segments",
    "channels",
    "satisfaction",
    "products",
    "value",
    "campaigns",
    "audit",
)
"""The app's pages; opening page ``p`` needs permission ``page.p``."""

_VIEWER = frozenset(
    {
        "page.overview",
        "page.segments",
        "page.channels",
        "page.satisfaction",
        "page.products",
        "page.value",
    }
)
_MARKETER = _VIEWER | {
    "page.customers",  # search and the 360 view, contacts masked
    "page.campaigns",
    "members.view",  # member lists and their downloads (segments, values, audiences)
    "audience.edit",  # save audiences, edit the suppression list
    "export",  # campaign exports (masked contacts unless the profile needs a direct contact)
    "tags.edit",
}
_ADMIN = _MARKETER | {
    "page.import",
    "page.audit",
    "import",
    "undo",
    "resolve",  # resolution runs, merges, splits, review decisions
    "consent.edit",
    "reveal",  # unmasked contact data, with a reason (logged)
    "settings",  # workspace settings: time zone, sources, currency, rates
    "users",
}
PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "viewer": _VIEWER,
    "marketer": frozenset(_MARKETER),
    "admin": frozenset(_ADMIN),
}
"""Role → what it may do: the one table every page and action checks (:func:`allowed`).

- **viewer**: aggregates and charts only: no member list, no Customers, Campaigns or Import page;
- **marketer**: audiences, exports (contacts masked), tags; no import, undo, resolve, consent
  edit, setting, reveal, user or audit;
- **admin**: everything."""

ACTIONS: Final = frozenset(_ADMIN)
"""Every permission name (a typo in a check is an error, not a silent refusal)."""

MIN_PASSWORD: Final = 10
"""Fewest characters of a password."""
MAX_FAILURES: Final = 5
"""Failed sign-ins within :data:`LOCK_WINDOW` that lock a name for :data:`LOCK_WINDOW`."""
LOCK_WINDOW: Final = dt.timedelta(minutes=15)
ABSOLUTE_TIMEOUT: Final = dt.timedelta(hours=12)
"""A session ends this long after sign-in, active or not."""
IDLE_ENV: Final = "CIMLAB_SESSION_IDLE_MINUTES"
"""Environment variable: minutes without activity that end a session (default 30)."""
_IDLE_DEFAULT = 30

USERS_DDL: Final = """CREATE TABLE IF NOT EXISTS auth_users (
    name VARCHAR NOT NULL PRIMARY KEY, role VARCHAR NOT NULL CHECK (role IN ('viewer', 'marketer', 'admin')),
    password_hash VARCHAR, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)"""
_SALT_DDL: Final = """CREATE TABLE IF NOT EXISTS auth_salt (salt VARCHAR NOT NULL)"""

USERS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "name": pl.String(),
    "role": pl.String(),
    "password": pl.Boolean(),
    "created_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}
"""Columns of :func:`list_users` (``password``: whether the user has one; never the hash)."""

_NAME = re.compile(r"^[\w.@+\-]{1,120}$")


class AuthError(CimlabError):
    """A user command that cannot be done (unknown role, short password, unknown user...)."""


class SignInFailed(AuthError):
    """Sign-in refused. ``locked``: too many failures for this name (the message says when to
    retry); otherwise the name or the password is wrong, without saying which."""

    def __init__(self, message: str, *, locked: bool = False, until: dt.datetime | None = None):
        super().__init__(message)
        self.locked = locked
        self.until = until


class NotAllowed(CimlabError):
    """An action the signed-in user's role may not do (checked again on the server side by
    every handler, whatever the page shows)."""

    def __init__(self, role: str | None, action: str):
        super().__init__(f"role {role!r} may not do {action!r}")
        self.role = role
        self.action = action


@dataclass(frozen=True)
class User:
    """A workspace user: name (lower case) and role."""

    name: str
    role: str

    def may(self, action: str) -> bool:
        """``allowed(self.role, action)``."""
        return allowed(self.role, action)


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (a permission of :data:`PERMISSIONS`).

    An unknown role (or ``None``) may do nothing; an unknown action is a programming error.

    >>> allowed("marketer", "reveal"), allowed(None, "page.overview")
    (False, False)
    >>> allowed("admin", "page.nowhere")
    Traceback (most recent call last):
    ...
    ValueError: action='page.nowhere' is not a permission; see cimlab.auth.PERMISSIONS
    """
    if action not in ACTIONS:
        raise ValueError(f"action={action!r} is not a permission; see cimlab.auth.PERMISSIONS")
    return action in PERMISSIONS.get(role or "", frozenset())


def normalize_name(name: str) -> str:
    """A user name as stored and compared: trimmed, lower case (names and e-mails alike).

    >>> normalize_name("  Ann@Example.COM ")
    'ann@example.com'
    """
    return name.strip().lower()


def idle_timeout() -> dt.timedelta:
    """Idle time that ends a session: ``$CIMLAB_SESSION_IDLE_MINUTES`` (default 30, at least 1)."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    try:
        minutes = float(raw) if raw else _IDLE_DEFAULT
    except ValueError:
        _log.warning("%s=%r is not a number of minutes; using %d", IDLE_ENV, raw, _IDLE_DEFAULT)
        minutes = _IDLE_DEFAULT
    return dt.timedelta(minutes=max(minutes, 1.0))


@dataclass
class Session:
    """One signed-in session: who, since when, last seen.

    >>> start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    >>> s = Session("ann", "admin", signed_in_at=start, last_seen=start)
    >>> s.expired(start + dt.timedelta(minutes=29), idle=dt.timedelta(minutes=30))
    False
    >>> s.expired(start + dt.timedelta(minutes=31), idle=dt.timedelta(minutes=30))
    True
    """

    name: str
    role: str
    signed_in_at: dt.datetime
    last_seen: dt.datetime

    def expired(self, now: dt.datetime, *, idle: dt.timedelta | None = None) -> bool:
        """Whether the session is over at ``now``: idle too long, or older than
        :data:`ABSOLUTE_TIMEOUT`."""
        idle = idle_timeout() if idle is None else idle
        return now - self.last_seen > idle or now - self.signed_in_at > ABSOLUTE_TIMEOUT

    def touch(self, now: dt.datetime) -> None:
        """Record activity at ``now``."""
        self.last_seen = now


# ----------------------------------------------------------------------------- storage


@functools.cache
def _hasher() -> object:
    from argon2 import PasswordHasher  # argon2id by default

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password: verified for unknown names so that timing tells nothing."""
    return str(_hasher().hash(secrets.token_urlsafe(24)))  # type: ignore[attr-defined]


def _hash(password: str) -> str:
    return str(_hasher().hash(password))  # type: ignore[attr-defined]


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(stored, password))  # type: ignore[attr-defined]
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def auth_enabled(ws: Workspace) -> bool:
    """Whether sign-in is on: the workspace has at least one user."""
    if not ws.has_table("auth_users"):
        return False
    return bool(ws.query("SELECT count(*) AS n FROM auth_users")["n"][0])


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(normalize_name(name)):
        raise AuthError(
            f"user name {name!r} is not valid: use 1 to 120 letters, digits or . _ @ + - "
            "(an e-mail address is fine)"
        )
    return normalize_name(name)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role={role!r} is not a role; use one of {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AuthError(f"the password is too short: use at least {MIN_PASSWORD} characters")


def get_user(ws: Workspace, name: str) -> User | None:
    """The user called ``name`` (any case), or ``None``."""
    if not ws.has_table("auth_users"):
        return None
    rows = ws.query(
        "SELECT name, role FROM auth_users WHERE name = ?", [normalize_name(name)]
    ).rows()
    return User(rows[0][0], rows[0][1]) if rows else None


def list_users(ws: Workspace) -> pl.DataFrame:
    """The users (:data:`USERS_SCHEMA`), by name; never a hash."""
    if not ws.has_table("auth_users"):
        return pl.DataFrame(schema=USERS_SCHEMA)
    frame = ws.query(
        "SELECT name, role, password_hash IS NOT NULL AS password, created_at, updated_at "
        "FROM auth_users ORDER BY name"
    )
    return frame.cast(USERS_SCHEMA)  # type: ignore[arg-type]


def _now(at: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if at is None else as_utc(at, error=AuthError)


def add_user(
    ws: Workspace,
    name: str,
    *,
    role: str,
    password: str | None,
    by: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add user ``name`` with ``role``; ``password=None`` for a user who signs in only through
    the identity provider (``name`` is then their e-mail). ``by``: who adds (for the audit)."""
    name, role = _check_name(name), _check_role(role)
    if password is not None:
        _check_password(password)
    when = _now(at)
    hashed = None if password is None else _hash(password)
    ws.ensure_tables([USERS_DDL, AUDIT_DDL])
    with ws.transaction() as con:
        if con.execute("SELECT 1 FROM auth_users WHERE name = ?", [name]).fetchone():
            raise AuthError(
                f"user {name!r} exists already; use `cimlab users set-role` or `passwd`"
            )
        con.execute(
            "INSERT INTO auth_users VALUES (?, ?, ?, ?, ?)", [name, role, hashed, when, when]
        )
    record_event(ws, "user_add", user=by, at=when, target=name, detail=role)
    _salt(ws)  # made now, so that a sign-in never has to write it


def _existing(ws: Workspace, name: str) -> str:
    name = normalize_name(name)
    if get_user(ws, name) is None:
        raise AuthError(f"no user {name!r} in this workspace; see `cimlab users list`")
    return name


def remove_user(
    ws: Workspace, name: str, *, by: str | None = None, at: dt.datetime | None = None
) -> None:
    """Remove user ``name``. Removing the last admin while other users remain is refused
    (nobody could manage users any more from the app)."""
    name, when = _existing(ws, name), _now(at)
    with ws.transaction() as con:
        _keep_an_admin(con, name, new_role=None)
        con.execute("DELETE FROM auth_users WHERE name = ?", [name])
    record_event(ws, "user_remove", user=by, at=when, target=name)


def set_role(
    ws: Workspace, name: str, role: str, *, by: str | None = None, at: dt.datetime | None = None
) -> None:
    """Give user ``name`` the role ``role`` (effective on their next click)."""
    name, role, when = _existing(ws, name), _check_role(role), _now(at)
    with ws.transaction() as con:
        _keep_an_admin(con, name, new_role=role)
        con.execute(
            "UPDATE auth_users SET role = ?, updated_at = ? WHERE name = ?", [role, when, name]
        )
    record_event(ws, "user_role", user=by, at=when, target=name, detail=role)


def set_password(
    ws: Workspace,
    name: str,
    password: str | None,
    *,
    by: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Set (or, with ``None``, remove: identity provider only) the password of ``name``."""
    name, when = _existing(ws, name), _now(at)
    if password is not None:
        _check_password(password)
    hashed = None if password is None else _hash(password)
    with ws.transaction() as con:
        con.execute(
            "UPDATE auth_users SET password_hash = ?, updated_at = ? WHERE name = ?",
            [hashed, when, name],
        )
    record_event(ws, "user_password", user=by, at=when, target=name)


def _keep_an_admin(con: object, name: str, *, new_role: str | None) -> None:
    rows = con.execute(  # type: ignore[attr-defined]
        "SELECT count(*) FILTER (WHERE role = 'admin' AND name <> ?), count(*) FILTER (WHERE name <> ?), "
        "any_value(role) FILTER (WHERE name = ?) FROM auth_users",
        [name, name, name],
    ).fetchone()
    other_admins, others, role = int(rows[0]), int(rows[1]), rows[2]
    if role == "admin" and new_role != "admin" and other_admins == 0 and others > 0:
        raise AuthError(
            f"{name!r} is the last admin and other users remain: make another user admin first"
        )


# ----------------------------------------------------------------------------- sign-in


def _salt(ws: Workspace) -> bytes:
    """The workspace's random salt of name keys (created on first use)."""
    if ws.has_table("auth_salt"):
        rows = ws.query("SELECT salt FROM auth_salt LIMIT 1")["salt"].to_list()
        if rows:
            return bytes.fromhex(rows[0])
    ws.ensure_tables([_SALT_DDL])
    with ws.transaction() as con:
        row = con.execute("SELECT salt FROM auth_salt LIMIT 1").fetchone()
        if row:
            return bytes.fromhex(row[0])
        fresh = secrets.token_hex(16)
        con.execute("INSERT INTO auth_salt VALUES (?)", [fresh])
    return bytes.fromhex(fresh)


def _name_key(ws: Workspace, name: str) -> str:
    """The key failed sign-ins of ``name`` are counted under (a salted hash, not the name)."""
    digest = hmac.new(_salt(ws), normalize_name(name).encode(), hashlib.sha256)
    return "k:" + digest.hexdigest()[:24]


def _locked_until(ws: Workspace, key: str, now: dt.datetime) -> dt.datetime | None:
    """When the lock of ``key`` ends, or ``None`` when it is not locked at ``now``."""
    if not ws.has_table("audit_events"):
        return None
    recent = ws.query(
        "SELECT \"at\" FROM audit_events WHERE action = 'sign_in_failed' AND target = ? "
        'AND "at" > ? AND "at" <= ? ORDER BY "at"',
        [key, now - 2 * LOCK_WINDOW, now],
    )["at"].to_list()
    # the lock starts at the failure that completes MAX_FAILURES within LOCK_WINDOW
    for i in range(MAX_FAILURES - 1, len(recent)):
        if recent[i] - recent[i - MAX_FAILURES + 1] <= LOCK_WINDOW:
            until: dt.datetime = recent[i] + LOCK_WINDOW
            if until > now:
                return until
    return None


def sign_in(ws: Workspace, name: str, password: str, *, at: dt.datetime | None = None) -> User:
    """The user ``name`` when ``password`` is theirs; raises :class:`SignInFailed` otherwise.

    Every attempt is audited (``sign_in``, ``sign_in_failed``, ``sign_in_locked``; while a long
    write holds the workspace, only logged: the answer is the same). A locked
    name is refused without checking the password (the attempt is not counted again, so the
    lock ends :data:`LOCK_WINDOW` after the failure that set it).

    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> sign_in(ws, "nobody", "whatever it is")
    Traceback (most recent call last):
    ...
    cimlab.auth.SignInFailed: wrong user name or password
    """
    now = _now(at)
    key = _name_key(ws, name)
    row = None
    with ws.reading():  # one connection for the reads
        if ws.has_table("auth_users"):
            rows = ws.query(
                "SELECT name, role, password_hash FROM auth_users WHERE name = ?",
                [normalize_name(name)],
            ).rows()
            row = rows[0] if rows else None
        until = _locked_until(ws, key, now)
    known = row[0] if row else None
    if until is not None:
        _verify(_dummy_hash(), password)  # same work as a real attempt
        _record_attempt(ws, "sign_in_locked", known, now, key)
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise SignInFailed(
            f"too many failed sign-ins for this name: try again in {minutes} min",
            locked=True,
            until=until,
        )
    stored = row[2] if row and row[2] else None
    ok = _verify(stored or _dummy_hash(), password) and stored is not None
    if not ok:
        _log.info("failed sign-in (%s)", key)
        _record_attempt(ws, "sign_in_failed", known, now, key)  # refused even when busy
        raise SignInFailed("wrong user name or password")
    _record_attempt(ws, "sign_in", known, now, key)
    assert row is not None
    return User(row[0], row[1])


def _record_attempt(
    ws: Workspace, action: str, user: str | None, at: dt.datetime, key: str
) -> None:
    """Audit a sign-in attempt. A workspace busy with a long write (an import) does not keep
    people out: the attempt is then logged (name key only) instead of stored."""
    try:
        record_event(ws, action, user=user, at=at, target=key)
    except WorkspaceBusy:
        _log.warning("%s (%s) not stored in the audit log: the workspace is busy", action, key)


def oidc_user(ws: Workspace, email: str | None) -> User | None:
    """The user an identity provider's signed-in ``email`` maps to, or ``None`` (no access).

    The e-mail must have been added with ``cimlab users add EMAIL --role ROLE`` (any case);
    an empty or missing e-mail maps to nobody.

    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> add_user(ws, "li@corp.example", role="marketer", password=None)
    >>> oidc_user(ws, "Li@Corp.example"), oidc_user(ws, "eve@corp.example")
    (User(name='li@corp.example', role='marketer'), None)
    """
    if not isinstance(email, str) or "@" not in email or not email.strip():
        return None
    return get_user(ws, email)


def oidc_providers(section: object) -> list[str | None]:
    """The identity providers an ``[auth]`` secrets section configures, for ``st.login``.

    ``[auth]`` with its own ``client_id`` is one unnamed provider (``None``: ``st.login()``);
    each sub-table with a ``client_id`` (``[auth.google]``) is a named one. No section, or one
    without any ``client_id``, configures none.

    >>> oidc_providers({"redirect_uri": "x", "cookie_secret": "s", "client_id": "a"})
    [None]
    >>> oidc_providers({"redirect_uri": "x", "okta": {"client_id": "a"}, "google": {}})
    ['okta']
    >>> oidc_providers(None)
    []
    """
    if not hasattr(section, "get") or not hasattr(section, "items"):
        return []
    providers: list[str | None] = []
    if section.get("client_id"):
        providers.append(None)
    for key, value in section.items():
        if hasattr(value, "get") and value.get("client_id"):
            providers.append(str(key))
    return providers
