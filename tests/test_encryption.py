"""Tests for cimlab.encryption: the cipher's round trips, the key from the environment, an
encrypted workspace (missing and wrong keys, no personal data in any byte it writes, the same
identities, search and exports as a clear one, analyses that never decrypt), and the safe
`cimlab workspace encrypt|rekey|keygen` conversions."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import encryption
from cimlab.act.campaigns import export_audience
from cimlab.act.snapshot import SNAPSHOTS_DIR, open_snapshot
from cimlab.act.suppression import add_to_suppression_list, suppression_list
from cimlab.analytics.facts import customer_data
from cimlab.analytics.rfm import rfm_table
from cimlab.cli import main
from cimlab.customers.profile import search_customers
from cimlab.demo import build_demo_workspace
from cimlab.encryption import (
    ENV_KEY,
    ENV_KEY_FILE,
    PREFIX,
    ColumnCipher,
    WorkspaceKeyError,
    encrypt_workspace,
    generate_key,
    load_key,
    parse_key,
    rekey_workspace,
)
from cimlab.identity import resolve
from cimlab.ingest.importer import import_file
from cimlab.workspace import Workspace

AS_OF = dt.date(2026, 6, 29)
AT = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
KEY = bytes(range(32))
KEY_TEXT = base64.b64encode(KEY).decode()
OTHER_KEY_TEXT = "ab" * 32

# hand-made customers: the values that must never appear in a byte of the workspace
PEOPLE = [
    ("c1", "张伟明", "13971829364", "zhang.weiming@example.cn", "1985-03-14"),
    ("c2", "Beatrice Quennell", "+44 7700 900123", "beatrice.quennell@example.co.uk", ""),
    ("c3", "欧阳娜娜", "15826473910", "ouyang.nana@qq.com", "1992-11-02"),
]
CUSTOMERS_CSV = "customer_id,name,phone,email,birth_date,city\n" + "".join(
    f"{i},{n},{p},{e},{b},上海\n" for i, n, p, e, b in PEOPLE
)
ORDERS_CSV = (
    "order_id,line,customer_id,order_date,amount,currency,status,buyer_name,buyer_phone\n"
    "O1,1,c1,2026-05-01 10:00:00,120.00,CNY,paid,张伟明,13971829364\n"
    "O2,1,c2,2026-05-03 11:00:00,80.50,CNY,paid,Beatrice Quennell,+44 7700 900123\n"
    "O3,1,c3,2026-05-04 12:00:00,99.00,CNY,paid,欧阳娜娜,15826473910\n"
    # a broken amount: the whole raw line (with its phone) goes to the quarantine
    "O4,1,c3,2026-05-05 12:00:00,lots,CNY,paid,欧阳娜娜,15826473910\n"
)


def _needles() -> list[bytes]:
    values: list[str] = []
    for _, name, phone, email, birth in PEOPLE:
        digits = "".join(ch for ch in phone if ch.isdigit())
        values += [name, phone, email, digits, digits[-8:]]
        if birth:
            values.append(birth)
    return [v.encode("utf-8") for v in values]


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _found(paths: list[Path]) -> dict[str, list[str]]:
    """Which needles occur in which files (empty when none)."""
    hits: dict[str, list[str]] = {}
    for path in paths:
        data = path.read_bytes()
        for needle in _needles():
            if needle in data:
                hits.setdefault(path.name, []).append(needle.decode())
    return hits


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made customers and orders imported and resolved: ``clear/`` without a key,
    ``sealed/`` with :data:`KEY` (module-scoped; tests work on copies, :func:`_copy_of`)."""
    root = tmp_path_factory.mktemp("crypto_people")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_KEY_FILE, raising=False)
        patch.delenv(ENV_KEY, raising=False)
        _import_people(root / "clear", root / "files")
        patch.setenv(ENV_KEY, KEY_TEXT)
        _import_people(root / "sealed", root / "files")
    return root


def _copy_of(people: Path, tmp_path: Path, *, sealed: bool) -> Workspace:
    """A fresh copy of one of the :func:`people` workspaces, opened with the current key."""
    shutil.copytree(people / ("sealed" if sealed else "clear"), tmp_path / "ws")
    return Workspace.open(tmp_path / "ws", create=False)


def _import_people(ws_dir: Path, files: Path) -> Workspace:
    files.mkdir(parents=True, exist_ok=True)
    (files / "members.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    (files / "orders.csv").write_text(ORDERS_CSV, encoding="utf-8")
    ws = Workspace.open(ws_dir)
    import_file(ws, files / "members.csv", table="customers", channel="shop")
    import_file(
        ws,
        files / "orders.csv",
        table="orders",
        channel="shop",
        mapping={
            "columns": {
                "order_id": "order_id",
                "line_number": "line",
                "source_customer_id": "customer_id",
                "order_ts": "order_date",
                "amount": "amount",
                "currency": "currency",
                "status": "status",
                "customer_name": "buyer_name",
                "phone": "buyer_phone",
            }
        },
    )
    resolve(ws, at=AT)
    return ws


# ---------------------------------------------------------------------------- the cipher


def test_values_and_frames_round_trip_with_the_column_bound() -> None:
    cipher = ColumnCipher(KEY)
    sealed = cipher.seal("欧阳娜娜", table="customers", column="name")
    assert sealed.startswith(PREFIX) and "欧阳" not in sealed
    assert cipher.open(sealed, table="customers", column="name") == "欧阳娜娜"
    # a random nonce per value: equal values do not give equal texts
    assert sealed != cipher.seal("欧阳娜娜", table="customers", column="name")
    # moved to another column or table, or changed, a value no longer decrypts
    for table, column in (("customers", "email"), ("orders", "customer_name")):
        with pytest.raises(WorkspaceKeyError, match="does not decrypt"):
            cipher.open(sealed, table=table, column=column)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(WorkspaceKeyError):
        cipher.open(tampered, table="customers", column="name")
    with pytest.raises(WorkspaceKeyError, match="not encrypted"):
        cipher.open("13971829364", table="customers", column="phone")

    frame = pl.DataFrame(
        {
            "channel": ["shop", "shop", "tmall"],
            "name": ["张伟明", None, "Beatrice"],
            "phone": ["13971829364", "+447700900123", None],
            "birth_date": [dt.date(1985, 3, 14), None, dt.date(2000, 2, 29)],
        }
    )
    stored = cipher.seal_frame(frame, table="customers")
    assert stored.schema["birth_date"] == pl.String
    assert stored["channel"].to_list() == frame["channel"].to_list()
    assert stored["name"].null_count() == 1
    assert_frame_equal(cipher.open_frame(stored, table="customers"), frame)
    with pytest.raises(WorkspaceKeyError):
        ColumnCipher(parse_key(OTHER_KEY_TEXT)).open_frame(stored, table="customers")


def test_keyed_hashes_depend_on_the_key_and_the_kind() -> None:
    one, two = ColumnCipher(KEY), ColumnCipher(parse_key(OTHER_KEY_TEXT))
    value = "+8613971829364"
    assert one.keyed_hash(value, kind="phone") == one.keyed_hash(value, kind="phone")
    assert one.keyed_hash(value, kind="phone") != two.keyed_hash(value, kind="phone")
    assert one.keyed_hash(value, kind="phone") != one.keyed_hash(value, kind="email")
    assert one.key_check != two.key_check
    assert KEY_TEXT not in repr(one)


def test_keys_parse_and_load_from_the_environment(tmp_path: Path) -> None:
    assert parse_key(KEY_TEXT) == KEY
    assert parse_key(KEY.hex()) == KEY
    assert parse_key(base64.urlsafe_b64encode(KEY).decode()) == KEY
    assert len(parse_key(generate_key())) == 32
    assert generate_key() != generate_key()
    short = base64.b64encode(bytes(16)).decode()
    for bad in ("", "not a key", short, "zz" * 32):
        with pytest.raises(WorkspaceKeyError) as info:
            parse_key(bad)
        assert not bad or bad not in str(info.value)
    assert load_key(environ={}) is None
    assert load_key(environ={ENV_KEY: KEY_TEXT, ENV_KEY_FILE: "/nowhere"}) == KEY
    key_file = tmp_path / "keys" / "cimlab.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY.hex() + "\n", encoding="utf-8")
    assert load_key(tmp_path / "ws", environ={ENV_KEY_FILE: str(key_file)}) == KEY
    with pytest.raises(WorkspaceKeyError, match="inside the workspace folder"):
        load_key(tmp_path / "keys", environ={ENV_KEY_FILE: str(key_file)})
    with pytest.raises(WorkspaceKeyError, match="cannot read the key file"):
        load_key(environ={ENV_KEY_FILE: str(tmp_path / "missing.key")})


# ---------------------------------------------------------------------------- the workspace


def test_an_encrypted_workspace_needs_its_key(
    tmp_path: Path,
    people: Path,
    monkeypatch: pytest.MonkeyPatch,
    key_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = _copy_of(people, tmp_path, sealed=True)
    assert ws.encrypted and not ws.encryption_pending
    monkeypatch.delenv(ENV_KEY)
    with pytest.raises(WorkspaceKeyError, match="encrypted; set CIMLAB_WORKSPACE_KEY or "):
        Workspace.open(tmp_path / "ws")
    assert main(["workspace", "info", "--workspace", str(tmp_path / "ws")]) == 2
    assert "CIMLAB_WORKSPACE_KEY" in capsys.readouterr().err
    monkeypatch.setenv(ENV_KEY, OTHER_KEY_TEXT)
    with pytest.raises(WorkspaceKeyError, match="another key") as info:
        Workspace.open(tmp_path / "ws")
    assert OTHER_KEY_TEXT not in str(info.value) and KEY_TEXT not in str(info.value)
    # the key from a file outside the workspace opens it
    monkeypatch.delenv(ENV_KEY)
    key_file = tmp_path / "cimlab.key"
    key_file.write_text(KEY_TEXT, encoding="utf-8")
    monkeypatch.setenv(ENV_KEY_FILE, str(key_file))
    assert Workspace.open(tmp_path / "ws").table("customers").height == len(PEOPLE)
    inside = tmp_path / "ws" / "cimlab.key"
    shutil.copy(key_file, inside)
    monkeypatch.setenv(ENV_KEY_FILE, str(inside))
    with pytest.raises(WorkspaceKeyError, match="inside the workspace folder"):
        Workspace.open(tmp_path / "ws")


def test_a_clear_workspace_opened_with_a_key_works_and_says_encrypt_converts_it(
    tmp_path: Path,
    people: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_key: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clear = _copy_of(people, tmp_path, sealed=False)
    assert not clear.encrypted
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)
    with caplog.at_level("WARNING", logger="cimlab.workspace"):
        ws = Workspace.open(tmp_path / "ws")
    assert ws.encryption_pending and not ws.encrypted
    assert "cimlab workspace encrypt" in caplog.text
    assert KEY_TEXT not in caplog.text
    # it keeps working in clear: no row written encrypted beside the clear ones
    (tmp_path / "more.csv").write_text(
        "customer_id,name,phone\nc9,Zoe Example,13600000009\n", encoding="utf-8"
    )
    import_file(ws, tmp_path / "more.csv", table="customers", channel="shop")
    names = ws.query("SELECT name FROM customers")["name"].to_list()
    assert "Zoe Example" in names and not any(n.startswith(PREFIX) for n in names)


def test_no_byte_of_an_encrypted_workspace_or_its_backup_holds_personal_data(
    tmp_path: Path, people: Path, key_env: None
) -> None:
    ws = _copy_of(people, tmp_path, sealed=True)
    assert ws.quarantine().height == 1  # the broken order line, raw values and all
    assert "15826473910" in ws.quarantine()["row_json"][0]
    add_to_suppression_list(ws, pl.DataFrame({"kind": ["phone"], "value": ["+8613971829364"]}))
    open_snapshot(ws).contacts()  # the contacts Parquet of exports
    assert (tmp_path / "ws" / SNAPSHOTS_DIR).is_dir()
    backup = ws.backup(tmp_path / "backups" / "ws.duckdb")
    with ws.transaction() as con:
        con.execute("CHECKPOINT")
    files = [*_files(tmp_path / "ws"), backup]
    assert len(files) >= 3
    assert _found(files) == {}
    # the needles are found where they are: the source files themselves
    assert _found(_files(people / "files"))
    # and everything reads back in clear
    customers = ws.table("customers").sort("source_customer_id")
    assert customers["name"].to_list() == [p[1] for p in PEOPLE]
    assert customers["birth_date"].to_list() == [dt.date(1985, 3, 14), None, dt.date(1992, 11, 2)]
    assert suppression_list(ws)["value"].to_list() == ["+8613971829364"]
    assert add_to_suppression_list(ws, suppression_list(ws).select("kind", "value")) == 0


def test_search_and_profile_read_an_encrypted_workspace(
    tmp_path: Path, people: Path, key_env: None
) -> None:
    ws = _copy_of(people, tmp_path, sealed=True)
    for text, kind in (
        ("139 7182 9364", "phone"),
        ("9364", "phone_partial"),
        ("OUYANG.NANA@qq.com", "email"),
        ("张伟", "name"),
        ("quennell", "name"),
    ):
        found = search_customers(ws, text)
        assert found.height == 1, text
        assert kind in found["matched_on"][0], text
    assert search_customers(ws, "13000000000").height == 0


# ---------------------------------------------------------------------------- against a clear twin


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same demo built clear and encrypted (module-scoped: a demo build takes seconds)."""
    root = tmp_path_factory.mktemp("crypto_demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_KEY_FILE, raising=False)
        patch.delenv(ENV_KEY, raising=False)
        build_demo_workspace(root / "clear", root / "files", people=120)
        patch.setenv(ENV_KEY, KEY_TEXT)
        build_demo_workspace(root / "sealed", root / "files2", people=120)
    return root / "clear", root / "sealed"


def test_identity_resolution_gives_the_same_customers_encrypted(
    twins: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_dir, sealed_dir = twins
    monkeypatch.delenv(ENV_KEY, raising=False)
    clear = Workspace.open(clear_dir, create=False)
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)
    sealed = Workspace.open(sealed_dir, create=False)
    assert sealed.encrypted and not clear.encrypted
    keys = ["channel", "source_customer_id"]
    a = clear.identity_map().select(*keys, "customer_id", "rule").sort(keys)
    b = sealed.identity_map().select(*keys, "customer_id", "rule").sort(keys)
    assert a.height > 120
    assert_frame_equal(a, b)
    # and it decrypts the same rows the clear one stores
    columns = ["source_customer_id", "channel", "name", "phone", "email", "birth_date"]
    assert_frame_equal(
        clear.table("customers").select(columns).sort(keys),
        sealed.table("customers").select(columns).sort(keys),
    )


def test_analyses_never_decrypt(twins: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)
    ws = Workspace.open(twins[1], create=False)
    opened: list[str] = []
    original = ColumnCipher.open

    def counting(self: ColumnCipher, sealed: str, *, table: str, column: str) -> str:
        opened.append(f"{table}.{column}")
        return original(self, sealed, table=table, column=column)

    monkeypatch.setattr(ColumnCipher, "open", counting)
    data = customer_data(ws)
    table = rfm_table(data.orders, as_of=AS_OF, time_zone=data.time_zone)
    assert table.height > 0 and data.orders.height > 0
    assert opened == []
    ws.table("customers")  # a reader of personal data does decrypt
    assert opened


def test_an_export_from_an_encrypted_workspace_writes_clear_contacts(
    twins: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_dir, sealed_dir = twins
    outputs = []
    for folder, key in ((clear_dir, None), (sealed_dir, KEY_TEXT)):
        if key is None:
            monkeypatch.delenv(ENV_KEY, raising=False)
        else:
            monkeypatch.setenv(ENV_KEY, key)
        copy = tmp_path / folder.name
        shutil.copytree(folder, copy)
        ws = Workspace.open(copy, create=False)
        out = tmp_path / f"{folder.name}.csv"
        result = export_audience(ws, "all", profile="csv", out=out, as_of=AS_OF, seed=1)
        assert result.exported > 0
        outputs.append(pl.read_csv(out, infer_schema=False))
    clear_rows, sealed_rows = outputs
    assert_frame_equal(clear_rows, sealed_rows)
    text = " ".join(str(v) for v in sealed_rows.row(0))
    assert PREFIX not in text


# ---------------------------------------------------------------------------- conversions


def test_encrypt_converts_a_clear_workspace_after_verifying_it(
    tmp_path: Path,
    people: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_key: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = _copy_of(people, tmp_path, sealed=False)
    before = ws.table("customers")
    before_orders = ws.table("orders")
    open_snapshot(ws).contacts()  # clear contacts on disk: encrypt must not leave them
    assert _found(_files(tmp_path / "ws"))
    assert main(["workspace", "encrypt", "--workspace", str(tmp_path / "ws")]) == 2
    assert "set CIMLAB_WORKSPACE_KEY" in capsys.readouterr().err
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)
    keep = tmp_path / "clear-copy.duckdb"
    code = main(
        [
            "workspace",
            "encrypt",
            "--workspace",
            str(tmp_path / "ws"),
            "--keep-clear-copy",
            str(keep),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "verified" in out and str(keep) in out
    assert keep.is_file() and _found([keep])  # kept on request: clear, as the message says
    assert _found(_files(tmp_path / "ws")) == {}
    ws = Workspace.open(tmp_path / "ws")
    assert ws.encrypted
    assert_frame_equal(ws.table("customers"), before)
    assert_frame_equal(ws.table("orders"), before_orders)
    assert ws.check().ok
    with pytest.raises(WorkspaceKeyError, match="already encrypted"):
        encrypt_workspace(tmp_path / "ws")


def test_a_conversion_that_fails_to_verify_leaves_the_workspace_as_it_was(
    tmp_path: Path, people: Path, monkeypatch: pytest.MonkeyPatch, no_key: None
) -> None:
    ws = _copy_of(people, tmp_path, sealed=False)
    before = ws.table("customers")
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)

    def broken(*args: object, **kwargs: object) -> None:
        raise encryption.WorkspaceError("the verify step failed (test)")

    monkeypatch.setattr(encryption, "_verify", broken)
    with pytest.raises(encryption.WorkspaceError, match="verify step failed"):
        encrypt_workspace(tmp_path / "ws")
    assert (
        sorted(p.name for p in (tmp_path / "ws").iterdir() if p.name.startswith(".cimlab.c")) == []
    )
    monkeypatch.delenv(ENV_KEY)
    ws = Workspace.open(tmp_path / "ws")
    assert not ws.encrypted
    assert_frame_equal(ws.table("customers"), before)


def test_rekey_re_encrypts_with_the_new_key_only(
    tmp_path: Path,
    people: Path,
    monkeypatch: pytest.MonkeyPatch,
    key_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = _copy_of(people, tmp_path, sealed=True)
    before = ws.table("customers")
    stored_before = ws.query("SELECT phone FROM customers")["phone"].to_list()
    new_file = tmp_path / "new.key"
    assert main(["workspace", "keygen"]) == 0
    new_text = capsys.readouterr().out.strip()
    new_file.write_text(new_text + "\n", encoding="utf-8")
    # a failed verification changes nothing: the old key still opens it
    original = encryption._verify
    monkeypatch.setattr(
        encryption,
        "_verify",
        lambda *a, **k: (_ for _ in ()).throw(encryption.WorkspaceError("verify failed (test)")),
    )
    with pytest.raises(encryption.WorkspaceError):
        rekey_workspace(tmp_path / "ws", new_key=parse_key(new_text))
    assert_frame_equal(Workspace.open(tmp_path / "ws").table("customers"), before)
    monkeypatch.setattr(encryption, "_verify", original)
    args = ["workspace", "rekey", "--workspace", str(tmp_path / "ws"), "--new-key-file"]
    assert main([*args, str(new_file)]) == 0
    out = capsys.readouterr().out
    assert new_text not in out and "re-encrypted with the new key" in out
    assert "unencrypted" not in out  # the old database held ciphertext, not clear data
    with pytest.raises(WorkspaceKeyError, match="another key"):
        Workspace.open(tmp_path / "ws")
    monkeypatch.setenv(ENV_KEY, new_text)
    ws = Workspace.open(tmp_path / "ws")
    assert_frame_equal(ws.table("customers"), before)
    assert ws.query("SELECT phone FROM customers")["phone"].to_list() != stored_before
    assert _found(_files(tmp_path / "ws")) == {}
    with pytest.raises(WorkspaceKeyError, match="the key the workspace has"):
        rekey_workspace(tmp_path / "ws", new_key=parse_key(new_text))


def test_the_app_says_the_workspace_is_encrypted_without_a_traceback(
    tmp_path: Path, people: Path, monkeypatch: pytest.MonkeyPatch, no_key: None
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.app.markdown_checks import shown_text

    app = Path(__file__).resolve().parents[1] / "apps" / "streamlit_app.py"
    shutil.copytree(people / "sealed", tmp_path / "ws")
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    at = AppTest.from_file(app, default_timeout=30).run()
    assert not at.exception
    errors = [shown_text(str(e.value)) for e in at.error]
    assert len(errors) == 1 and "CIMLAB_WORKSPACE_KEY" in errors[0]
    assert "张伟明" not in str(at)
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)  # with the key it opens
    at = AppTest.from_file(app, default_timeout=30).run()
    assert not at.exception
    assert not [e for e in at.error if "CIMLAB_WORKSPACE_KEY" in str(e.value)]


def test_handles_opened_before_a_conversion_follow_it(
    tmp_path: Path, people: Path, monkeypatch: pytest.MonkeyPatch, no_key: None
) -> None:
    writer = _copy_of(people, tmp_path, sealed=False)
    reader = Workspace.open(tmp_path / "ws")
    monkeypatch.setenv(ENV_KEY, KEY_TEXT)
    encrypt_workspace(tmp_path / "ws")  # as another process would, under their feet
    assert not writer.encrypted and not reader.encrypted
    assert sorted(reader.table("customers")["name"]) == sorted(p[1] for p in PEOPLE)
    assert reader.encrypted
    (tmp_path / "more.csv").write_text(
        "customer_id,name,phone\nc9,Zoe Example,13600000009\n", encoding="utf-8"
    )
    import_file(writer, tmp_path / "more.csv", table="customers", channel="shop")
    stored = writer.query("SELECT name FROM customers")["name"].to_list()
    assert len(stored) == len(PEOPLE) + 1 and all(n.startswith(PREFIX) for n in stored)
    assert "Zoe Example" in writer.table("customers")["name"].to_list()


def test_cimlab_import_creates_an_encrypted_workspace_when_a_key_is_set(
    tmp_path: Path, key_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    members = tmp_path / "members.csv"
    members.write_text(CUSTOMERS_CSV, encoding="utf-8")
    args = ["import", str(members), "--workspace", str(tmp_path / "ws"), "--channel", "shop"]
    assert main([*args, "--table", "customers"]) == 0
    assert KEY_TEXT not in capsys.readouterr().out
    ws = Workspace.open(tmp_path / "ws", create=False)
    assert ws.encrypted
    assert _found(_files(tmp_path / "ws")) == {}
    assert main(["workspace", "info", "--workspace", str(tmp_path / "ws")]) == 0
    assert "encryption:" in capsys.readouterr().out
