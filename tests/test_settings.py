"""The business time zone: setting, automatic choice from imports, and its effect on analyses."""

from __future__ import annotations

import datetime as dt
import io
import json

import polars as pl
import pytest

from cimlab.analytics.facts import customer_data
from cimlab.cli import main
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.ingest.mapping import ColumnMapping, MappingOptions
from cimlab.settings import (
    DEFAULT_TIME_ZONE,
    TimeZoneChoice,
    automatic_time_zone,
    business_time_zone,
    set_time_zone,
    time_zone_choice,
)
from cimlab.workspace import Workspace

# An order at 07:30 in Shanghai on 1 January is 23:30 UTC on 31 December.
ORDERS = (
    "order_id,line,customer_id,order_date,amount,currency,status\n"
    "A1,1,c1,2026-01-01 07:30,100,CNY,paid\n"
    "A2,1,c1,2026-01-20 12:00,50,CNY,paid\n"
)
CUSTOMERS = "customer_id,name,signup_date\nc1,Ann,2025-12-31\nc2,Bo,2026-01-05\n"


def _import(ws, text, *, table="orders", zone=None, name="o.csv"):
    mapping = None
    if zone is not None:
        report = check_bytes(text.encode(), name=name, table=table, channel="shop")
        columns = dict(report.mapping.columns)
        mapping = ColumnMapping(table, columns, options=MappingOptions(timezone=zone))
    report = check_bytes(text.encode(), name=name, table=table, channel="shop", mapping=mapping)
    return store_report(ws, report)


@pytest.fixture
def ws(tmp_path):
    return Workspace.open(tmp_path / "ws")


def test_an_empty_workspace_uses_the_import_default(ws):
    assert time_zone_choice(ws) == TimeZoneChoice(DEFAULT_TIME_ZONE, "default")
    assert business_time_zone(ws) == "Asia/Shanghai"


def test_the_zone_of_the_imports_is_chosen_and_orders_count_first(ws):
    _import(ws, ORDERS, zone="Europe/London")
    assert time_zone_choice(ws) == TimeZoneChoice("Europe/London", "imports")
    # more customer rows read in another zone do not outvote the orders
    many = "customer_id,name\n" + "".join(f"x{i},N{i}\n" for i in range(10))
    _import(ws, many, table="customers", zone="America/New_York", name="c.csv")
    assert business_time_zone(ws) == "Europe/London"


def test_undoing_the_import_forgets_its_zone(ws):
    batch = _import(ws, ORDERS, zone="Europe/London")
    ws.undo(batch.batch.batch_id, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    assert time_zone_choice(ws).source == "default"


def test_a_setting_wins_and_none_returns_to_automatic(ws):
    _import(ws, ORDERS, zone="Europe/London")
    assert set_time_zone(ws, "America/New_York") == TimeZoneChoice("America/New_York", "setting")
    assert automatic_time_zone(ws) == TimeZoneChoice("Europe/London", "imports")
    assert set_time_zone(ws, None) == TimeZoneChoice("Europe/London", "imports")


@pytest.mark.parametrize("bad", ["Beijing", "", "../etc/passwd", "UTC+8", 8])
def test_an_unknown_zone_is_refused_and_nothing_changes(ws, bad):
    set_time_zone(ws, "Asia/Tokyo")
    with pytest.raises(ValueError, match="IANA time zone"):
        set_time_zone(ws, bad)
    assert business_time_zone(ws) == "Asia/Tokyo"


def test_backup_and_restore_carry_the_setting(ws, tmp_path):
    set_time_zone(ws, "Europe/Paris")
    copy = ws.backup(tmp_path / "ws.backup")
    restored = Workspace.restore(copy, tmp_path / "other")
    assert time_zone_choice(restored) == TimeZoneChoice("Europe/Paris", "setting")


def test_customer_data_carries_the_zone_and_reads_signup_days_in_it(ws):
    _import(ws, ORDERS)
    _import(ws, CUSTOMERS, table="customers", name="c.csv")
    resolve(ws, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    data = customer_data(ws)
    assert data.time_zone == "Asia/Shanghai"
    seen = dict(
        data.customers.select(
            "customer_id", pl.col("first_seen").dt.convert_time_zone("Asia/Shanghai").dt.date()
        ).rows()
    )
    # sign-up on 2025-12-31 is that day in Shanghai (midnight there, 16:00 UTC the day before)
    assert sorted(seen.values()) == [dt.date(2025, 12, 31), dt.date(2026, 1, 5)]
    assert customer_data(ws, time_zone="UTC").time_zone == "UTC"
    with pytest.raises(ValueError, match="IANA"):
        customer_data(ws, time_zone="Mars/Olympus")


# ---------------------------------------------------------------------------- command line


def test_cli_shows_sets_and_clears_the_zone(ws, capsys):
    args = ["workspace", "settings", "--workspace", str(ws.path)]
    assert main(args) == 0
    assert "Asia/Shanghai (the import default" in capsys.readouterr().out
    assert main([*args, "--time-zone", "Europe/London", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["time_zone"] == "Europe/London" and shown["source"] == "setting"
    assert main([*args, "--time-zone", "auto"]) == 0
    assert business_time_zone(ws) == "Asia/Shanghai"
    capsys.readouterr()
    assert main([*args, "--time-zone", "Beijing"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cimlab: --time-zone 'Beijing' is not an IANA time zone")
    assert "Traceback" not in err


def _rfm_rows(ws, tmp_path, *extra):
    out = tmp_path / "rfm.csv"
    args = ["--workspace", str(ws.path), "--as-of", "2026-01-31", "--out", str(out)]
    code = main(["analyse", "rfm", *args, *extra])
    assert code == 0
    frame = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig")))
    return frame.row(0, named=True)


def test_analyses_count_days_in_the_business_zone(ws, tmp_path, capsys):
    _import(ws, ORDERS)  # read as Shanghai times, stored in UTC
    resolve(ws, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    # Shanghai (automatic): first purchase 1 January, T = 30 days to 31 January
    assert _rfm_rows(ws, tmp_path)["first_purchase"] == "2026-01-01"
    assert _rfm_rows(ws, tmp_path)["T"] == 30.0
    # the same data in UTC: the first order was on 31 December
    assert _rfm_rows(ws, tmp_path, "--time-zone", "UTC")["first_purchase"] == "2025-12-31"
    set_time_zone(ws, "UTC")
    assert _rfm_rows(ws, tmp_path)["T"] == 31.0
    capsys.readouterr()
    bad = ["analyse", "rfm", "--workspace", str(ws.path), "--as-of", "2026-01-31"]
    assert main([*bad, "--time-zone", "Nowhere/Land"]) == 2
    assert "--time-zone 'Nowhere/Land'" in capsys.readouterr().err


# ---------------------------------------------------------------------------- source priority

# One person in two channels: the store has the older record, the web shop the newer one.
STORE = "customer_id,name,phone,city,signup_date\ns1,Ann Li,13800138000,Shanghai,2025-01-01\n"
SHOP = "customer_id,name,phone,city,signup_date\nw1,Ann Lee,13800138000,Beijing,2025-06-01\n"


def _two_channels(ws):
    for channel, text in (("offline_store", STORE), ("online_shop", SHOP)):
        report = check_bytes(
            text.encode(), name=f"{channel}.csv", table="customers", channel=channel
        )
        store_report(ws, report)
    resolve(ws, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))


def test_a_saved_source_priority_drives_the_golden_record_and_the_360(ws):
    from cimlab.customers.golden import golden_records
    from cimlab.customers.profile import customer_profile
    from cimlab.settings import set_source_priority, source_priority

    _two_channels(ws)
    newest = golden_records(ws).row(0, named=True)
    assert (newest["city"], newest["city_source"]) == ("Beijing", "online_shop/w1")
    assert set_source_priority(ws, ["offline_store", "offline_store"]) == ("offline_store",)
    trusted = golden_records(ws).row(0, named=True)
    assert (trusted["city"], trusted["city_source"]) == ("Shanghai", "offline_store/s1")
    view = customer_profile(ws, trusted["customer_id"])
    assert view.golden["name"] == "Ann Li"
    # a call's own priority still wins over the saved one
    assert (
        golden_records(ws, source_priority=["online_shop"]).row(0, named=True)["city"] == "Beijing"
    )
    assert set_source_priority(ws, None) is None and source_priority(ws) is None


@pytest.mark.parametrize("bad", ["offline_store", [], ["Store!"], [None]])
def test_a_bad_source_priority_is_refused(ws, bad):
    from cimlab.settings import set_source_priority, source_priority

    with pytest.raises(ValueError, match="source_priority"):
        set_source_priority(ws, bad)
    assert source_priority(ws) is None


def test_cli_sets_both_settings_or_neither(ws, capsys):
    from cimlab.settings import source_priority

    args = ["workspace", "settings", "--workspace", str(ws.path)]
    # a bad zone: the good priority given with it is not written either
    assert main([*args, "--source-priority", "online_shop", "--time-zone", "Mars"]) == 2
    assert source_priority(ws) is None and time_zone_choice(ws).source == "default"
    capsys.readouterr()
    assert main([*args, "--source-priority", "offline_store, online_shop", "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["source_priority"] == ["offline_store", "online_shop"]
    assert "no records of channel 'offline_store' yet" in out.err  # nothing imported yet
    assert main(args) == 0
    assert "source priority of the golden record: offline_store > online_shop" in (
        capsys.readouterr().out
    )
    assert main([*args, "--source-priority", "none"]) == 0
    assert source_priority(ws) is None


def test_settings_written_by_hand_that_make_no_sense_are_ignored(ws):
    from cimlab.settings import source_priority

    _import(ws, ORDERS, zone="Europe/London")
    with ws.transaction() as con:
        con.execute("INSERT INTO meta VALUES ('time_zone', 'Mars/Olympus')")
        con.execute("INSERT INTO meta VALUES ('source_priority', '{not json')")
    assert time_zone_choice(ws) == TimeZoneChoice("Europe/London", "imports")
    assert source_priority(ws) is None
