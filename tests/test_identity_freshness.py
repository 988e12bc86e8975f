"""Records imported after (or removed by an undo since) the last resolution: counted, named in analyses, resolved again."""

from __future__ import annotations

import datetime as dt

import pytest

from cimlab import identity
from cimlab.analytics.facts import customer_data
from cimlab.cli import main
from cimlab.errors import WorkspaceError
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
FIRST = (
    "order_id,customer_id,order_date,amount,currency,status\n"
    "A1,c1,2026-01-10 10:00,100,CNY,paid\n"
    "A2,c2,2026-02-01 10:00,20,CNY,paid\n"
)
LATER = (
    "order_id,customer_id,order_date,amount,currency,status\n"
    "B1,c2,2026-03-01 10:00,30,CNY,paid\n"  # a known buyer: linked already
    "B2,c3,2026-03-02 10:00,40,CNY,paid\n"  # new
    "B3,c4,2026-03-03 10:00,50,CNY,paid\n"  # new
    "B4,,2026-03-04 10:00,60,CNY,paid\n"  # a guest order: no record to link
)


def _store(ws, text, name):
    store_report(ws, check_bytes(text.encode(), name=name, table="orders", channel="shop"))


@pytest.fixture
def ws(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    _store(ws, FIRST, "first.csv")
    return ws


def test_nothing_is_unlinked_before_the_first_resolution_or_right_after_it(ws):
    assert identity.unlinked_records(ws) == 0  # never resolved: analyses refuse anyway
    identity.resolve(ws, at=AT)
    assert identity.unlinked_records(ws) == 0


def test_new_records_are_counted_and_resolve_again_links_them(ws):
    identity.resolve(ws, at=AT, fuzzy=True)
    _store(ws, LATER, "later.csv")
    assert identity.unlinked_records(ws) == 2
    data = customer_data(ws)
    assert data.unlinked_records == 2
    assert data.orders.filter(data.orders["customer_id"].is_null())[
        "order_id"
    ].sort().to_list() == [
        "B2",
        "B3",
        "B4",
    ]
    result = identity.resolve_again(ws, at=AT + dt.timedelta(days=1))
    assert result.customers == 4 and identity.unlinked_records(ws) == 0
    runs = ws.query("SELECT fuzzy FROM identity_runs ORDER BY run_id")["fuzzy"].to_list()
    assert runs == [True, True]  # the last run's settings are kept


def test_resolve_again_needs_a_first_resolution(ws):
    with pytest.raises(WorkspaceError, match="never resolved"):
        identity.resolve_again(ws, at=AT)


def test_cli_analyses_say_what_they_leave_out(ws, capsys):
    identity.resolve(ws, at=AT)
    _store(ws, LATER, "later.csv")
    args = ["analyse", "rfm", "--workspace", str(ws.path), "--as-of", "2026-03-31"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "2 customer records were imported after the last identity resolution" in err
    assert "cimlab customers resolve" in err
    assert main(["customers", "resolve", "--workspace", str(ws.path)]) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert capsys.readouterr().err == ""


def test_workspace_info_counts_customers_and_unlinked_records(ws, capsys):
    identity.resolve(ws, at=AT)
    _store(ws, LATER, "later.csv")
    assert main(["workspace", "info", "--workspace", str(ws.path)]) == 0
    assert (
        "identities: 2 source records -> 2 customers; 2 records imported since the last "
        "resolution" in capsys.readouterr().out
    )


def test_an_undo_after_resolving_is_counted_and_customers_follow(ws, capsys):
    identity.resolve(ws, at=AT)
    later = check_bytes(LATER.encode(), name="later.csv", table="orders", channel="shop")
    batch = store_report(ws, later).batch.batch_id
    identity.resolve_again(ws, at=AT + dt.timedelta(days=1))
    assert customer_data(ws).customers.height == 4 and identity.removed_records(ws) == 0

    ws.undo(batch, at=AT + dt.timedelta(days=2))  # c3 and c4 had only these orders
    assert identity.removed_records(ws) == 2
    assert ws.identity_counts()["removed_records"] == 2
    data = customer_data(ws)
    assert data.removed_records == 2
    assert data.customers.height == 2  # no customer without a record is counted
    args = ["analyse", "rfm", "--workspace", str(ws.path), "--as-of", "2026-03-31"]
    assert main(args) == 0
    assert "2 customer records were removed by an undone import" in capsys.readouterr().err
    assert main(["workspace", "info", "--workspace", str(ws.path)]) == 0
    assert "2 records removed (undone) since then" in capsys.readouterr().out

    identity.resolve_again(ws, at=AT + dt.timedelta(days=3))
    assert identity.removed_records(ws) == 0 and customer_data(ws).removed_records == 0
    assert ws.identity_counts()["customers"] == 2
