"""Consent dated by the source file: the ``consent_updated_at`` column, its header aliases, the
order of decisions (not of imports), bad dates quarantined, and older workspaces upgraded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from cimlab import identity
from cimlab.contracts.columns import polars_schema
from cimlab.customers.consent import consent_history, current_consent
from cimlab.i18n import column_label
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.ingest.mapping import suggest_mapping
from cimlab.workspace import SCHEMA_VERSION, Workspace

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=dt.UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def load(ws: Workspace, text: str, *, when: dt.datetime, name: str, preset: str = "generic_zh"):
    """Import a customers CSV with a preset's aliases (channel ``shop``); returns the report."""
    report = check_bytes(
        text.encode(), name=name, table="customers", channel="shop", mapping=preset
    )
    store_report(ws, report, at=when, user="test")
    return report


def link(ws: Workspace, records: list[str]) -> None:
    """Every ``shop`` record is its own customer ``C<id>``."""
    ws.ensure_tables(identity.DDL)
    rows = [("shop", r, f"C{r}", at(2026, 1, 1)) for r in records]
    with ws.transaction() as con:
        con.execute("DELETE FROM identity_map")
        con.executemany("INSERT INTO identity_map VALUES (?, ?, ?, 'test', NULL, NULL, ?)", rows)


def test_the_aliases_map_the_source_consent_date() -> None:
    zh = suggest_mapping(["会员ID", "短信营销", "授权时间"], table="customers", preset="generic_zh")
    assert zh.columns["consent_updated_at"] == "授权时间"
    for header in ("同意时间", "订阅时间"):
        mapping = suggest_mapping(["会员ID", header], table="customers", preset="generic_zh")
        assert mapping.columns["consent_updated_at"] == header
    for header in ("Opt-in date", "Subscription date", "consent_updated_at"):
        mapping = suggest_mapping(
            ["Customer ID", "SMS consent", header], table="customers", preset="generic_en"
        )
        assert mapping.columns.get("consent_updated_at") in (header, None)
        if header != "consent_updated_at":
            assert mapping.columns["consent_updated_at"] == header
    assert polars_schema("customers")["consent_updated_at"] == pl.Datetime("us", "UTC")
    assert column_label("customers", "consent_updated_at", "zh") == "授权时间"
    assert column_label("customers", "consent_updated_at", "en") == "Consent date (source)"


def test_events_are_dated_by_the_source_else_by_the_import(ws: Workspace) -> None:
    load(
        ws,
        "会员ID,短信营销,邮件营销,授权时间\n1,是,否,2026-03-04 10:00\n2,是,,\n",
        when=at(2026, 12, 7),
        name="a.csv",
    )
    link(ws, ["1", "2"])
    state = current_consent(ws).select("customer_id", "purpose", "granted", "since", "dated_by")
    shanghai_10am = dt.datetime(2026, 3, 4, 10, tzinfo=SHANGHAI)  # the preset's time zone
    assert state.rows() == [
        ("C1", "email", False, shanghai_10am, "source"),
        ("C1", "sms", True, shanghai_10am, "source"),
        ("C2", "sms", True, at(2026, 12, 7), "import"),
    ]
    history = consent_history(ws, "C1")
    assert history["dated_by"].unique().to_list() == ["source"]


def test_a_later_import_with_an_older_opt_in_does_not_reverse_an_opt_out(ws: Workspace) -> None:
    # the first file (imported in November) says the customer opted out on 1 May
    load(ws, "会员ID,短信营销,授权时间\n1,退订,2026-05-01\n", when=at(2026, 11, 1), name="a.csv")
    # a later export of an older list says "subscribed" on 4 March: an older decision
    load(ws, "会员ID,短信营销,授权时间\n1,已订阅,2026-03-04\n", when=at(2026, 12, 1), name="b.csv")
    link(ws, ["1"])
    state = current_consent(ws).row(0, named=True)
    assert (state["granted"], state["dated_by"]) == (False, "source")
    assert state["since"].astimezone(SHANGHAI).date() == dt.date(2026, 5, 1)
    history = consent_history(ws, "C1")
    assert history.select("granted", "state_after", "batch_id").rows() == [
        (True, True, 2),  # the older decision comes first, whatever its import order
        (False, False, 1),
    ]
    # without the source date, the later import would have won: the date is what decides
    load(ws, "会员ID,短信营销\n1,已订阅\n", when=at(2026, 12, 5), name="c.csv")
    assert current_consent(ws).row(0, named=True)["granted"] is True


def test_a_source_date_after_the_import_gives_way_to_the_import_time(ws: Workspace) -> None:
    load(ws, "会员ID,短信营销,授权时间\n1,是,2099-01-01\n", when=at(2026, 12, 7), name="a.csv")
    link(ws, ["1"])
    state = current_consent(ws).row(0, named=True)
    assert (state["since"], state["dated_by"]) == (at(2026, 12, 7), "import")


def test_bad_consent_dates_go_to_quarantine_with_reasons_in_both_languages(
    ws: Workspace,
) -> None:
    text = "Customer ID,SMS consent,Opt-in date\n1,yes,2026-02-30\n2,yes,soon\n3,no,2026-01-02\n"
    report = check_bytes(
        text.encode(), name="x.csv", table="customers", channel="shop", mapping="generic_en"
    )
    assert report.rows_loaded == 1 and report.rows_quarantined == 2
    problems = report.quarantine
    assert problems.select("line", "column", "value").rows() == [
        (2, "Opt-in date", "2026-02-30"),  # the file's own header
        (3, "Opt-in date", "soon"),
    ]
    orders = check_bytes(
        b"order id,order date,amount,currency\nA1,soon,9,CNY\n",
        name="o.csv",
        table="orders",
        channel="shop",
        mapping="generic_en",
    ).quarantine
    # the usual reasons: those of any other unreadable time
    assert problems["reason"].unique().to_list() == orders["reason"].to_list()
    assert problems["reason_zh"].unique().to_list() == orders["reason_zh"].to_list()
    assert problems["reason_zh"][0] != problems["reason"][0]


def _downgrade_to_version_2(db: Path) -> None:
    """Make a workspace look as schema version 2 wrote it (no customers.consent_updated_at)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("ALTER TABLE customers DROP COLUMN consent_updated_at")
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def test_an_older_workspace_gets_the_column_in_contract_order(ws: Workspace) -> None:
    load(ws, "会员ID,姓名,短信营销\n1,林小明,是\n", when=at(2026, 1, 1), name="a.csv")
    _downgrade_to_version_2(ws.db_path)
    upgraded = Workspace.open(ws.path, create=False)
    assert upgraded.info()["schema_version"] == SCHEMA_VERSION == 3
    con = duckdb.connect(str(ws.db_path), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE customers").fetchall()]
    finally:
        con.close()
    assert columns == [*polars_schema("customers"), "batch_id", "source_line"]
    rows = upgraded.rows_with_import_time("customers", columns=["name", "consent_updated_at"])
    assert rows.select("name", "consent_updated_at").rows() == [("林小明", None)]
    assert upgraded.check().ok
    # and a file with the column imports into it
    load(upgraded, "会员ID,短信营销,同意时间\n2,否,2026-02-01\n", when=at(2026, 2, 2), name="b.csv")
    link(upgraded, ["1", "2"])
    assert current_consent(upgraded)["dated_by"].to_list() == ["import", "source"]


def test_the_360_view_says_when_and_from_where(tmp_path: Path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from cimlab.i18n import t

    ws = Workspace.open(tmp_path / "ws")
    load(
        ws,
        "会员ID,姓名,手机,短信营销,邮件营销,授权时间\n1,林小明,13800138000,是,,2026-03-04 10:00\n",
        when=at(2026, 12, 7),
        name="a.csv",
    )
    load(ws, "会员ID,邮件营销\n1,否\n", when=at(2026, 12, 7), name="b.csv")
    identity.resolve(ws, at=at(2026, 12, 8))
    (customer_id,) = identity.customer_map(ws)["customer_id"].unique().to_list()
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(ws.path))
    app = Path(__file__).resolve().parents[1] / "apps" / "streamlit_app.py"
    page = AppTest.from_file(app, default_timeout=120)
    page.session_state["lang"] = "en"
    page.run().switch_page("customers_page.py").run()
    page.text_input(key="cust_query").input(customer_id).run()
    assert not page.exception and not page.error
    for lang in ("en", "zh"):
        if lang == "zh":
            page.radio(key="lang").set_value("zh").run()
        since, purpose = t("cust.col_since", lang), t("cust.col_purpose", lang)
        state = next(d.value for d in page.dataframe if {since, purpose} <= set(d.value.columns))
        by_purpose = dict(zip(state[purpose], state[since], strict=True))
        given, refused = t("cust.consent_given", lang), t("cust.consent_refused", lang)
        sms, email = t("cust.purpose.sms", lang), t("cust.purpose.email", lang)
        assert by_purpose[sms] == t(
            "cust.consent_dated_source", lang, state=given, date="2026-03-04"
        )
        assert by_purpose[email] == t(
            "cust.consent_dated_import", lang, state=refused, date="2026-12-07"
        )
        dated = t("cust.col_dated", lang)
        history = next(d.value for d in page.dataframe if dated in d.value.columns)
        assert sorted(history[dated]) == sorted(
            [t("cust.dated.source", lang), t("cust.dated.import", lang)]
        )
