"""cimlab.auth: the permission table, users with Argon2id hashes, sign-in with its rate limit,
session expiry, the identity-provider mapping and the `cimlab users` command."""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

import pytest

from cimlab import auth
from cimlab.audit import audit_log
from cimlab.auth import (
    LOCK_WINDOW,
    MAX_FAILURES,
    PERMISSIONS,
    AuthError,
    Session,
    SignInFailed,
    User,
    add_user,
    allowed,
    auth_enabled,
    list_users,
    oidc_providers,
    oidc_user,
    remove_user,
    set_password,
    set_role,
    sign_in,
)
from cimlab.cli import main
from cimlab.workspace import Workspace

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
REAL_HASHER = auth._hasher
PASSWORD = "tr0ub4dor&3-long"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs: the production ones take about a second per hash on a busy
    2-core machine (test_production_parameters checks those)."""
    from argon2 import PasswordHasher

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dummy = fast.hash("dummy-password-for-tests")
    monkeypatch.setattr(auth, "_hasher", lambda: fast)
    monkeypatch.setattr(auth, "_dummy_hash", lambda: dummy)


def test_production_parameters() -> None:
    """Outside these tests the hash is Argon2id with argon2-cffi's defaults (RFC 9106's
    second recommended option: 64 MiB, 3 passes, 4 lanes)."""
    from argon2 import Type

    real = REAL_HASHER()
    assert real.type is Type.ID
    assert (real.memory_cost, real.time_cost, real.parallelism) >= (65536, 3, 4)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def team(ws: Workspace) -> Workspace:
    add_user(ws, "Ann", role="admin", password=PASSWORD, at=T0)
    add_user(ws, "mo", role="marketer", password="marketer-pass-1", at=T0)
    add_user(ws, "vi", role="viewer", password="viewer-pass-1", at=T0)
    return ws


# ----------------------------------------------------------------------------- roles


def test_roles_nest_and_split_as_the_issue_says() -> None:
    assert PERMISSIONS["viewer"] < PERMISSIONS["marketer"] < PERMISSIONS["admin"]
    viewer_denied = {
        "page.customers", "page.campaigns", "page.import", "page.audit", "members.view",
        "export", "import", "undo", "resolve", "reveal", "settings", "users",
    }  # fmt: skip
    assert not any(allowed("viewer", a) for a in viewer_denied)
    assert allowed("viewer", "page.segments") and allowed("viewer", "page.overview")
    marketer_denied = {"page.import", "page.audit", "import", "undo", "resolve", "reveal",
                       "settings", "users", "consent.edit"}  # fmt: skip
    assert not any(allowed("marketer", a) for a in marketer_denied)
    assert all(allowed("marketer", a) for a in ("export", "audience.edit", "members.view"))
    assert all(allowed("admin", a) for a in auth.ACTIONS)
    assert not allowed("root", "page.overview") and not allowed(None, "page.overview")
    with pytest.raises(ValueError, match=r"page\.typo"):
        allowed("admin", "page.typo")


def test_every_page_has_a_permission() -> None:
    assert {f"page.{p}" for p in auth.PAGES} <= auth.ACTIONS


# ----------------------------------------------------------------------------- users


def test_users_are_stored_with_argon2id_hashes_only(team: Workspace) -> None:
    assert auth_enabled(team)
    stored = team.query("SELECT name, password_hash FROM auth_users ORDER BY name").rows()
    assert [n for n, _ in stored] == ["ann", "mo", "vi"]  # names compare in lower case
    for _, hashed in stored:
        assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert list_users(team).columns == list(auth.USERS_SCHEMA)
    assert "password_hash" not in list_users(team).columns


def test_no_users_means_sign_in_is_off(ws: Workspace) -> None:
    assert not auth_enabled(ws)
    add_user(ws, "solo", role="admin", password=PASSWORD)
    assert auth_enabled(ws)
    remove_user(ws, "solo")
    assert not auth_enabled(ws)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "x", "role": "admin", "password": "short"}, "at least 10"),
        ({"name": "x", "role": "owner", "password": PASSWORD}, "not a role"),
        ({"name": "a b", "role": "admin", "password": PASSWORD}, "not valid"),
        ({"name": "ANN", "role": "viewer", "password": PASSWORD}, "exists already"),
    ],
)
def test_bad_users_are_refused(team: Workspace, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(AuthError, match=message):
        add_user(team, **kwargs)  # type: ignore[arg-type]


def test_role_and_password_changes(team: Workspace) -> None:
    set_role(team, "mo", "admin")
    assert auth.get_user(team, "MO") == User("mo", "admin")
    set_role(team, "ann", "viewer")  # another admin remains
    with pytest.raises(AuthError, match="last admin"):
        set_role(team, "mo", "viewer")
    with pytest.raises(AuthError, match="last admin"):
        remove_user(team, "mo")
    set_password(team, "vi", "a-new-password", at=T0)
    with pytest.raises(SignInFailed):
        sign_in(team, "vi", "viewer-pass-1", at=T0)
    assert sign_in(team, "vi", "a-new-password", at=T0).role == "viewer"
    with pytest.raises(AuthError, match="no user 'ghost'"):
        set_role(team, "ghost", "admin")


# ----------------------------------------------------------------------------- sign-in


def test_sign_in_checks_the_password(team: Workspace) -> None:
    assert sign_in(team, " ANN ", PASSWORD, at=T0) == User("ann", "admin")
    with pytest.raises(SignInFailed) as wrong:
        sign_in(team, "ann", PASSWORD + "x", at=T0)
    with pytest.raises(SignInFailed) as unknown:
        sign_in(team, "nobody", PASSWORD, at=T0)
    assert str(wrong.value) == str(unknown.value) == "wrong user name or password"
    assert not wrong.value.locked and not unknown.value.locked


def test_unknown_names_cost_one_argon2_verification(
    team: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = auth._verify

    def counting(stored: str, password: str) -> bool:
        calls.append(stored[:10])
        return real(stored, password)

    monkeypatch.setattr(auth, "_verify", counting)
    for name in ("ann", "nobody"):
        with pytest.raises(SignInFailed):
            sign_in(team, name, "not the password", at=T0)
    assert calls == ["$argon2id$", "$argon2id$"]  # the unknown name was verified too


def test_an_identity_provider_only_user_has_no_password_sign_in(ws: Workspace) -> None:
    add_user(ws, "li@corp.example", role="marketer", password=None)
    with pytest.raises(SignInFailed, match="wrong user name or password"):
        sign_in(ws, "li@corp.example", "", at=T0)


def test_failures_lock_the_name_for_15_minutes(team: Workspace) -> None:
    for i in range(MAX_FAILURES):
        with pytest.raises(SignInFailed) as failure:
            sign_in(team, "ann", f"guess number {i}", at=T0 + dt.timedelta(minutes=i))
        assert not failure.value.locked
    last = T0 + dt.timedelta(minutes=MAX_FAILURES - 1)
    with pytest.raises(SignInFailed, match="too many failed sign-ins") as locked:
        sign_in(team, "ann", PASSWORD, at=last + dt.timedelta(minutes=1))  # right, but locked
    assert locked.value.locked and locked.value.until == last + LOCK_WINDOW
    # another name is not affected; the lock ends on time
    assert sign_in(team, "mo", "marketer-pass-1", at=last).role == "marketer"
    assert sign_in(team, "ann", PASSWORD, at=last + LOCK_WINDOW + dt.timedelta(seconds=1))
    actions = audit_log(team)["action"].to_list()
    assert actions.count("sign_in_failed") == MAX_FAILURES
    assert actions.count("sign_in_locked") == 1


def test_unknown_names_lock_alike_and_the_lock_holds_across_processes(
    team: Workspace, tmp_path: Path
) -> None:
    for i in range(MAX_FAILURES):
        with pytest.raises(SignInFailed):
            sign_in(team, "ghost", "whatever-it-is", at=T0 + dt.timedelta(seconds=i))
    other = Workspace.open(tmp_path / "ws")  # another handle, as another process holds
    with pytest.raises(SignInFailed) as locked:
        sign_in(other, "GHOST", "whatever-it-is", at=T0 + dt.timedelta(minutes=1))
    assert locked.value.locked


def test_failed_sign_ins_store_no_name_or_password(team: Workspace) -> None:
    typed = "MySecretPassw0rd-typed-as-a-name"
    with pytest.raises(SignInFailed):
        sign_in(team, typed, "x" * 12, at=T0)
    row = team.query("SELECT * FROM audit_events WHERE action = 'sign_in_failed'").rows()[0]
    assert typed.lower() not in str(row) and typed not in str(row)
    assert row[2] is None  # user_name: the name is not a user


def test_no_password_or_hash_reaches_a_log(
    team: Workspace, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [PASSWORD, "bad-password-typed", "new-password-123"]
    with pytest.raises(SignInFailed) as failure:
        sign_in(team, "ann", secrets[1], at=T0)
    sign_in(team, "ann", PASSWORD, at=T0)
    set_password(team, "ann", secrets[2])
    with pytest.raises(AuthError) as short:
        set_password(team, "ann", "tiny")
    hashes = [h for (h,) in team.query("SELECT password_hash FROM auth_users").rows()]
    salt = team.query("SELECT salt FROM auth_salt")["salt"][0]
    seen = caplog.text + capsys.readouterr().err + str(failure.value) + str(short.value)
    for secret in [*secrets, "tiny", *hashes, salt]:
        assert secret not in seen


def test_a_busy_workspace_does_not_keep_people_out(team: Workspace, tmp_path: Path) -> None:
    import fcntl
    import os

    _ = sign_in(team, "ann", PASSWORD, at=T0)  # the salt exists
    busy = Workspace.open(tmp_path / "ws", wait=0)
    fd = os.open(busy.lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a long import holds the writer lock
        assert sign_in(busy, "ann", PASSWORD, at=T0).role == "admin"
        with pytest.raises(SignInFailed, match="wrong user name or password"):
            sign_in(busy, "ann", "a wrong password", at=T0)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ----------------------------------------------------------------------------- sessions


def test_sessions_expire_when_idle_and_after_12_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session("ann", "admin", signed_in_at=T0, last_seen=T0)
    assert auth.idle_timeout() == dt.timedelta(minutes=30)
    assert not session.expired(T0 + dt.timedelta(minutes=30))
    assert session.expired(T0 + dt.timedelta(minutes=31))
    monkeypatch.setenv(auth.IDLE_ENV, "5")
    assert session.expired(T0 + dt.timedelta(minutes=6))
    monkeypatch.setenv(auth.IDLE_ENV, "not a number")
    assert auth.idle_timeout() == dt.timedelta(minutes=30)
    busy = Session("ann", "admin", signed_in_at=T0, last_seen=T0)
    for hour in range(1, 13):  # active every hour: idle never ends it, 12 hours do
        now = T0 + dt.timedelta(hours=hour)
        assert busy.expired(now, idle=dt.timedelta(hours=2)) == (hour > 12)
        busy.touch(now)
    assert busy.expired(T0 + dt.timedelta(hours=12, seconds=1), idle=dt.timedelta(hours=2))


# ----------------------------------------------------------------------------- OIDC


def test_identity_provider_e_mails_map_to_added_users_only(ws: Workspace) -> None:
    add_user(ws, "Li@Corp.example", role="marketer", password=None)
    assert oidc_user(ws, "li@corp.EXAMPLE") == User("li@corp.example", "marketer")
    assert oidc_user(ws, "eve@corp.example") is None
    assert oidc_user(ws, "") is None and oidc_user(ws, None) is None
    assert oidc_user(ws, "li") is None  # not an e-mail


def test_identity_providers_of_the_auth_secrets() -> None:
    assert oidc_providers({}) == []
    assert oidc_providers({"client_id": "x", "cookie_secret": "s"}) == [None]
    section = {"redirect_uri": "u", "google": {"client_id": "g"}, "okta": {"client_id": ""}}
    assert oidc_providers(section) == ["google"]


# ----------------------------------------------------------------------------- CLI


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(args)


def test_cli_users(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(ws.path)
    add = ["users", "add", "boss", "--role", "admin", "--workspace", folder]
    assert _cli([*add, "--password-stdin"], monkeypatch, "too-short\n") == 2
    assert "at least 10" in capsys.readouterr().err
    assert _cli([*add, "--password-stdin"], monkeypatch, "long-enough-pw\n") == 0
    answers = iter(["viewer-secret-1", "viewer-secret-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert _cli(["users", "add", "v", "--role", "viewer", "--workspace", folder], monkeypatch) == 0
    mismatch = iter(["first-password", "other-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(mismatch))
    assert _cli(["users", "passwd", "v", "--workspace", folder], monkeypatch) == 2
    assert "differ" in capsys.readouterr().err
    assert _cli(["users", "list", "--json", "--workspace", folder], monkeypatch) == 0
    out = capsys.readouterr().out
    assert '"name": "boss"' in out and '"role": "viewer"' in out
    assert "$argon2" not in out and "long-enough-pw" not in out
    assert (
        _cli(["users", "set-role", "v", "--role", "marketer", "--workspace", folder], monkeypatch)
        == 0
    )
    assert (
        _cli(["users", "set-role", "v", "--role", "god", "--workspace", folder], monkeypatch) == 2
    )
    assert _cli(["users", "remove", "ghost", "--workspace", folder], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no user 'ghost'" in err
    assert sign_in(ws, "boss", "long-enough-pw").role == "admin"
    assert _cli(["users", "remove", "v", "--workspace", folder], monkeypatch) == 0
    assert list_users(ws)["name"].to_list() == ["boss"]
