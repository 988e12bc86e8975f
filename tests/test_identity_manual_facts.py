"""Manual tags and consent follow a customer whose id a merge retires."""

from __future__ import annotations

import datetime as dt

from cimlab import consent, identity, tags
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_tags_and_consent_follow_a_merge(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    data = b"customer_id,name,phone\nS1,Ann,13800138001\nS2,Bob,13800138002\n"
    store_report(ws, check_bytes(data, name="c.csv", table="customers", channel="shop"))
    identity.resolve(ws, at=AT)
    ids = dict(identity.customer_map(ws).select("source_customer_id", "customer_id").iter_rows())
    a, b = ids["S1"], ids["S2"]
    assert a != b
    tags.add_tags(ws, [b], ["gift_buyer"], at=AT, user="test")
    consent.set_consent(ws, [b], ["sms"], granted=False, at=AT, user="test")
    done = identity.merge(ws, a, b, at=AT + dt.timedelta(minutes=1), user="test")
    (survivor,) = done.customer_ids
    current = tags.customer_tags(ws)
    assert "gift_buyer" in current.filter(current["customer_id"] == survivor)["tag"].to_list()
    state = consent.current_consent(ws, customer_ids=[survivor])
    sms = state.filter(state["purpose"] == "sms")
    assert sms["granted"].to_list() == [False]
