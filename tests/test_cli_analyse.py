"""``cimlab analyse rfm|segments`` on a tiny workspace with hand-computed answers."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from cimlab.cli import main
from cimlab.export import write_table
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

ORDERS = (
    "order_id,line,customer_id,order_date,amount,currency,status\n"
    "A1,1,c1,2026-01-10 10:00,100,CNY,paid\n"
    "A2,1,c1,2026-01-10 18:00,50,CNY,paid\n"  # same day: one purchase day
    "A3,1,c1,2026-03-01 10:00,30,CNY,paid\n"
    "B1,1,c2,2026-02-01 10:00,20,CNY,paid\n"
    "B2,1,c2,2026-02-05 10:00,99,CNY,cancelled\n"  # not a purchase
)


@pytest.fixture
def workspace(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    store_report(ws, check_bytes(ORDERS.encode(), name="o.csv", table="orders", channel="shop"))
    return ws


def test_rfm_needs_resolved_identities(workspace, capsys):
    code = main(["analyse", "rfm", "--workspace", str(workspace.path), "--as-of", "2026-03-31"])
    assert code == 2
    assert "customers resolve" in capsys.readouterr().err


def test_rfm_and_segments_files(workspace, tmp_path):
    resolve(workspace, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    out = tmp_path / "rfm.csv"
    args = ["--workspace", str(workspace.path), "--as-of", "2026-03-31"]
    assert main(["analyse", "rfm", *args, "--out", str(out)]) == 0
    frame = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig"))).sort("purchase_days")
    assert {"customer_id", "frequency", "recency", "T", "monetary_value", "r_score", "f_score",
            "m_score", "segment"} <= set(frame.columns)  # fmt: skip
    assert frame["purchase_days"].to_list() == [1, 2]
    assert frame["frequency"].to_list() == [0, 1]
    # c1: first 2026-01-10, last 2026-03-01 -> recency 50 days; T to 2026-03-31 -> 80 days
    assert frame.row(1, named=True)["recency"] == 50.0
    assert frame.row(1, named=True)["T"] == 80.0
    assert frame["total_spend"].to_list() == [20.0, 180.0]
    seg = tmp_path / "segments.parquet"
    assert main(["analyse", "segments", *args, "--out", str(seg)]) == 0
    segments = pl.read_parquet(seg)
    assert segments["customers"].sum() == 2
    assert segments["action_zh"].null_count() == 0


@pytest.mark.parametrize(
    ("unit", "lifetimes_kwargs", "recency", "T"),
    [
        # c1 bought on Sat 2026-01-10 and Sun 2026-03-01; as of Tue 2026-03-31
        ("day", {"freq": "D"}, 50.0, 80.0),
        ("week", {"freq": "D", "freq_multiplier": 7}, 50 / 7, 80 / 7),
        # calendar weeks: Mondays 2026-01-05, 2026-02-23 and 2026-03-30
        ("calendar_week", {"freq": "W"}, 7.0, 12.0),
    ],
)
def test_rfm_time_units_equal_their_lifetimes_call(workspace, tmp_path, unit, lifetimes_kwargs,
                                                   recency, T):  # fmt: skip
    import pandas as pd
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes.utils import summary_data_from_transaction_data

    resolve(workspace, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    out = tmp_path / f"rfm_{unit}.csv"
    args = ["--workspace", str(workspace.path), "--as-of", "2026-03-31", "--time-unit", unit]
    assert main(["analyse", "rfm", *args, "--out", str(out)]) == 0
    ours = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig"))).sort("purchase_days")
    assert ours.row(1, named=True)["recency"] == recency
    assert ours.row(1, named=True)["T"] == T
    paid = pd.DataFrame(
        {
            "who": ["c1", "c1", "c1", "c2"],
            "when": pd.to_datetime(
                ["2026-01-10 10:00", "2026-01-10 18:00", "2026-03-01 10:00", "2026-02-01 10:00"]
            ),
        }
    )
    theirs = summary_data_from_transaction_data(
        paid, "who", "when", observation_period_end="2026-03-31", **lifetimes_kwargs
    ).sort_values("frequency")
    assert ours["frequency"].to_list() == theirs["frequency"].tolist()
    assert ours["recency"].to_list() == theirs["recency"].tolist()
    assert ours["T"].to_list() == theirs["T"].tolist()


def test_clusters_keep_the_length_units_only(workspace, capsys):
    code = main(["analyse", "clusters", "--workspace", str(workspace.path), "--as-of",
                 "2026-03-31", "--time-unit", "calendar_week"])  # fmt: skip
    assert code == 2 and "invalid choice: 'calendar_week'" in capsys.readouterr().err


def test_segments_table_keeps_its_columns(workspace, tmp_path):
    resolve(workspace, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    out = tmp_path / "segments.csv"
    args = ["--workspace", str(workspace.path), "--as-of", "2026-03-31"]
    assert main(["analyse", "segments", *args, "--out", str(out)]) == 0
    table = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig")))
    assert table.columns == [
        "segment", "name_zh", "customers", "share", "net_spend", "currency", "action", "action_zh"
    ]  # fmt: skip
    assert table["currency"].to_list() == ["CNY", "CNY"]
    assert table["customers"].sum() == 2 and table["share"].sum() == 1.0
    assert sorted(table["net_spend"].to_list()) == [20.0, 180.0]


def test_write_table_escapes_formulas(tmp_path):
    frame = pl.DataFrame({"customer_id": ["=cmd()", "C1"], "n": [1, 2]})
    text = write_table(frame, tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd()" in text
    with pytest.raises(Exception, match=r"\.csv, \.parquet or \.xlsx"):
        write_table(frame, tmp_path / "x.txt")


# ---------------------------------------------------------------------------- the other actions

SHOP = (
    "order_id,line,customer_id,order_date,sku,product_name,amount,currency,status\n"
    "A1,1,c1,2026-01-10 10:00,TEA,Green tea,100,CNY,paid\n"
    "A1,2,c1,2026-01-10 10:00,POT,Teapot,50,CNY,paid\n"
    "A3,1,c1,2026-03-01 10:00,TEA,Green tea,30,CNY,paid\n"
    "B1,1,c2,2026-02-01 10:00,TEA,Green tea,20,CNY,paid\n"
    "B1,2,c2,2026-02-01 10:00,POT,Teapot,10,CNY,paid\n"
    "B2,1,c2,2026-02-05 10:00,MUG,Mug,99,CNY,cancelled\n"
    "C1,1,c3,2026-03-20 10:00,MUG,Mug,15,CNY,paid\n"
)
ANSWERS = (
    "customer_id,ts,nps,csat,complaint\n"
    "c1,2026-03-02 10:00,10,5,false\n"
    "c2,2026-03-03 10:00,3,2,true\n"
    "c3,2026-03-25 10:00,8,4,false\n"
)


@pytest.fixture
def shop(tmp_path):
    ws = Workspace.open(tmp_path / "shop")
    store_report(ws, check_bytes(SHOP.encode(), name="o.csv", table="orders", channel="shop"))
    store_report(ws, check_bytes(ANSWERS.encode(), name="f.csv", table="feedback", channel="shop"))
    resolve(ws, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    return ws


def _run(ws, tmp_path, *args, name="out.csv"):
    out = tmp_path / name
    code = main(["analyse", *args, "--workspace", str(ws.path), "--as-of", "2026-03-31",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    return pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig")))


def _ids(ws, frame, column="customer_id"):
    """Source id (c1, c2...) of each unified customer id in ``column``."""
    links = ws.query("SELECT source_customer_id, customer_id FROM identity_map")
    back = dict(zip(links["customer_id"], links["source_customer_id"], strict=True))
    return [back[c] for c in frame[column]]


def test_channels_lifecycle_cohorts_and_kpis(shop, tmp_path):
    metrics = _run(shop, tmp_path, "channels")
    # paid orders A1, A3, B1, C1; the cancelled B2 is no sale: 100+50+30+20+10+15 = 225
    assert metrics.select("channel", "customers", "orders", "revenue").rows() == [
        ("shop", 3, 4, 225.0)
    ]
    assert metrics["aov"].item() == pytest.approx(56.25)

    stages = _run(shop, tmp_path, "lifecycle").sort("customer_id")
    # c1 bought on two days (last 30 days ago): repeat; c2 and c3 once, within 90 days: new
    assert dict(zip(_ids(shop, stages), stages["stage"], strict=True)) == {
        "c1": "repeat",
        "c2": "new",
        "c3": "new",
    }

    cohorts = _run(shop, tmp_path, "cohorts").filter(pl.col("period_index") == 0)
    assert cohorts.select("cohort", "cohort_size").rows() == [
        ("2026-01-01", 1),
        ("2026-02-01", 1),
        ("2026-03-01", 1),
    ]

    kpis = _run(shop, tmp_path, "kpis", "--days", "90")
    values = dict(zip(kpis["kpi"], kpis["value"], strict=True))
    assert values["active_customers"] == 3
    assert values["revenue"] == 225.0


def test_satisfaction_and_unhappy_customers(shop, tmp_path):
    overall = _run(shop, tmp_path, "satisfaction").row(0, named=True)
    # one promoter (10), one passive (8), one detractor (3): NPS 0; CSAT top-2-box 2 of 3
    assert (overall["promoters"], overall["passives"], overall["detractors"]) == (1, 1, 1)
    assert overall["nps"] == 0.0
    assert overall["csat"] == pytest.approx(2 / 3)
    assert overall["complaint_rate"] == pytest.approx(1 / 3)
    unhappy = _run(shop, tmp_path, "satisfaction", "--view", "unhappy")
    # c2 (detractor and complainer) is not in the top 20 % by spend (c1 is): nobody qualifies
    assert unhappy.height == 0
    by_segment = _run(shop, tmp_path, "satisfaction", "--by", "segment")
    assert by_segment["nps_answers"].sum() == 3


def test_affinity_names_the_products(shop, tmp_path):
    pairs = _run(shop, tmp_path, "affinity", "--min-support", "0.1", "--min-lift", "0").filter(
        pl.col("item_a") == "POT"
    )
    # 4 paid orders; TEA in 3, POT in 2, both in 2: confidence(POT -> TEA) = 1, lift 4/3
    row = pairs.row(0, named=True)
    assert (row["item_b"], row["name_a"], row["name_b"]) == ("TEA", "Teapot", "Green tea")
    assert row["baskets_both"] == 2
    assert row["confidence"] == 1.0
    assert row["lift"] == pytest.approx(4 / 3)
    # without the teapot, no pair is left above the thresholds
    rest = _run(shop, tmp_path, "affinity", "--min-support", "0.1", "--min-lift", "0",
                "--exclude", "POT", name="rest.csv")  # fmt: skip
    assert "POT" not in rest["item_a"].to_list() + rest["item_b"].to_list()


def test_bad_options_exit_2_with_a_message(shop, capsys):
    base = ["--workspace", str(shop.path), "--as-of", "2026-03-31"]
    # three buyers are too few to cluster: a message with advice, not a traceback
    assert main(["analyse", "clusters", *base]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cimlab: analyse clusters:") and "Traceback" not in err
    assert main(["analyse", "clusters", *base, "--k", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
    assert main(["analyse", "affinity", *base, "--min-support", "2"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
    assert main(["analyse", "kpis", *base, "--days", "0"]) == 2


def test_affinity_leaves_known_non_products_out_by_default(tmp_path, capsys):
    # postage on every order would pair with everything; the default leaves it out and says so
    lines = SHOP + (
        "A1,3,c1,2026-01-10 10:00,POST,Postage,5,CNY,paid\n"
        "B1,3,c2,2026-02-01 10:00,POST,Postage,5,CNY,paid\n"
    )
    ws = Workspace.open(tmp_path / "ws")
    store_report(ws, check_bytes(lines.encode(), name="o.csv", table="orders", channel="shop"))
    resolve(ws, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    options = ("affinity", "--min-support", "0.1", "--min-lift", "0")
    pairs = _run(ws, tmp_path, *options)
    assert "POST" not in pairs["item_a"].to_list() + pairs["item_b"].to_list()
    assert "left out non-product SKUs POST" in capsys.readouterr().err
    kept = _run(ws, tmp_path, *options, "--keep-non-products", name="kept.csv")
    # POST and TEA share both postage orders: confidence(POST -> TEA) = 1
    post = kept.filter((pl.col("item_a") == "POST") & (pl.col("item_b") == "TEA"))
    assert post["baskets_both"].to_list() == [2] and post["confidence"].to_list() == [1.0]
    assert "left out" not in capsys.readouterr().err


def test_cluster_names_are_labelled_at_the_edge(tmp_path):
    """The analytics return name codes; the ``--out`` files keep their English ``cluster_name``
    / ``name`` and add ``cluster_name_zh`` / ``name_zh``, read by cimlab.i18n."""
    from cimlab.analytics.clusters import CLUSTER_RULES
    from cimlab.demo import build_demo_workspace
    from cimlab.i18n import cluster_label

    build_demo_workspace(tmp_path / "ws", tmp_path / "files", people=120)
    args = ["--workspace", str(tmp_path / "ws"), "--as-of", "2026-06-30", "--k", "3"]
    customers, profiles = tmp_path / "customers.parquet", tmp_path / "profiles.parquet"
    assert main(["analyse", "clusters", *args, "--out", str(customers)]) == 0
    assert main(["analyse", "clusters", *args, "--view", "profiles", "--out", str(profiles)]) == 0
    table = pl.read_parquet(profiles)
    assert table.columns[:3] == ["cluster", "name", "name_zh"] and table.height == 3
    english = {cluster_label(code, "en"): code for code in _codes(CLUSTER_RULES)}
    for en, zh in table.select("name", "name_zh").iter_rows():
        assert en in english or en.startswith("Cluster "), en  # a label, not a code
        assert zh == cluster_label(english.get(en, en), "zh") or "群" in zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh
    rows = pl.read_parquet(customers)
    named = rows.select("cluster", "cluster_name", "cluster_name_zh").unique().sort("cluster")
    assert named.rows() == table.select("cluster", "name", "name_zh").rows()


def _codes(rules: tuple[str, ...]) -> list[str]:
    """Every rule code, alone and with a demo channel (the codes a demo fit can give)."""
    channels = ("tmall", "jd", "wechat", "online_shop", "offline_store")
    return [*rules, *(f"{rule}:{channel}" for rule in rules for channel in channels)]


# ------------------------------------------------------------------ money: one currency at a time

BRL = (
    "order_id,line,customer_id,order_date,amount,currency,status\n"
    "R1,1,r1,2026-02-28 10:00,10,BRL,paid\n"  # the day before the March rate: 1.40
    "R2,1,r2,2026-03-01 07:00,20,BRL,paid\n"  # 28 Feb 23:00 UTC; 1 March in Shanghai: 1.45
)


@pytest.fixture
def two_currencies(tmp_path):
    """The CNY shop of ``workspace`` (c1 180, c2 20) and a BRL shop (r1 10, r2 20)."""
    ws = Workspace.open(tmp_path / "two")
    store_report(ws, check_bytes(ORDERS.encode(), name="o.csv", table="orders", channel="shop"))
    store_report(ws, check_bytes(BRL.encode(), name="b.csv", table="orders", channel="brshop"))
    resolve(ws, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    return ws


def _revenue(ws, tmp_path, *extra):
    out = tmp_path / "kpis.csv"
    code = main(["analyse", "kpis", "--workspace", str(ws.path), "--as-of", "2026-03-31",
                 "--days", "90", "--out", str(out), *extra])  # fmt: skip
    assert code == 0
    frame = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig")))
    return frame.filter(pl.col("kpi") == "revenue").select("value", "currency").row(0)


def test_missing_rates_exit_2_with_both_fixes_and_both_fixes_work(two_currencies, tmp_path,
                                                                   capsys):  # fmt: skip
    ws = two_currencies
    base = ["--workspace", str(ws.path), "--as-of", "2026-03-31"]
    assert main(["analyse", "kpis", *base]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cimlab: no exchange rate into CNY for BRL (orders on 2 days from "
                          "2026-02-28 to 2026-03-01; it has no rate at all)")  # fmt: skip
    assert f"cimlab workspace rates FILE.csv --workspace {ws.path}" in err
    assert "`--currency X` (X one of BRL, CNY)" in err
    assert err.count("\n") == 1 and "Traceback" not in err

    # fix 1: one currency's orders, unconverted
    assert _revenue(ws, tmp_path, "--currency", "BRL") == (30.0, "BRL")
    assert _revenue(ws, tmp_path, "--currency", "cny") == (200.0, "CNY")
    assert main(["analyse", "rfm", *base, "--currency", "USD"]) == 2
    assert "no order is in USD; the orders' currencies are BRL, CNY" in capsys.readouterr().err
    assert main(["analyse", "rfm", *base, "--currency", "R$"]) == 2
    assert "--currency 'R$' is not a currency code" in capsys.readouterr().err

    # fix 2: rates, from the day they are valid, on the business day (Asia/Shanghai)
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate,valid_from\nBRL,1.40,2026-01-01\nBRL,1.45,2026-03-01\n")
    assert main(["workspace", "rates", str(rates), "--workspace", str(ws.path)]) == 0
    out = capsys.readouterr().out
    assert "2 rates loaded" in out and "reporting currency: CNY (set for this workspace)" in out
    # 180 + 20 + 10 × 1.40 + 20 × 1.45 = 243
    assert _revenue(ws, tmp_path) == (243.0, "CNY")
    # in UTC, R2 falls on 28 February: 20 × 1.40
    assert _revenue(ws, tmp_path, "--time-zone", "UTC") == (242.0, "CNY")


def test_every_money_output_names_its_currency(two_currencies, tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate,valid_from\nBRL,1.5,2026-01-01\n")
    assert main(["workspace", "rates", str(rates), "--workspace", str(two_currencies.path)]) == 0
    rfm = _run(two_currencies, tmp_path, "rfm").sort("total_spend")
    assert rfm.select("total_spend", "currency").rows() == [
        (15.0, "CNY"), (20.0, "CNY"), (30.0, "CNY"), (180.0, "CNY"),
    ]  # fmt: skip
    assert rfm.columns.index("currency") == rfm.columns.index("monetary_value") + 1
    channels = _run(two_currencies, tmp_path, "channels").sort("channel")
    assert channels.select("channel", "revenue", "currency").rows() == [
        ("brshop", 45.0, "CNY"), ("shop", 200.0, "CNY"),
    ]  # fmt: skip
    value = _run(two_currencies, tmp_path, "channels", "--view", "value")
    assert set(value["currency"]) == {"CNY"}
    cohorts = _run(two_currencies, tmp_path, "cohorts")
    assert set(cohorts["currency"]) == {"CNY"}
    matrix = _run(two_currencies, tmp_path, "cohorts", "--view", "revenue")
    assert matrix.columns[-1] == "currency"
    retention = _run(two_currencies, tmp_path, "cohorts", "--view", "retention")
    assert "currency" not in retention.columns  # shares, not money
    trend = _run(two_currencies, tmp_path, "kpis", "--view", "trend")
    money_rows = trend.filter(pl.col("currency").is_not_null())["kpi"].unique().sort()
    assert money_rows.to_list() == ["average_order_value", "revenue"]
    lifecycle = _run(two_currencies, tmp_path, "lifecycle")
    assert "currency" not in lifecycle.columns


PLACEHOLDER = (
    "order_id,line,customer_id,order_date,amount,currency,status\n"
    "G1,1,g1,2026-03-01 10:00,1,CNY,paid\n"
    "G2,1,g2,2026-03-02 10:00,1,CNY,paid\n"
)


def _placeholder_orders(ws):
    mapping = {
        "table": "orders",
        "columns": {"order_id": "order_id", "line_number": "line", "source_customer_id":
                    "customer_id", "order_ts": "order_date", "amount": "amount",
                    "currency": "currency", "status": "status"},
        "options": {"amount_is_placeholder": True},
    }  # fmt: skip
    report = check_bytes(PLACEHOLDER.encode(), name="g.csv", table="orders", channel="grocery",
                         mapping=mapping)  # fmt: skip
    store_report(ws, report)


def test_placeholder_amounts_are_withheld_or_counted(tmp_path, capsys):
    only = Workspace.open(tmp_path / "only")
    _placeholder_orders(only)
    resolve(only, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    capsys.readouterr()
    rfm = _run(only, tmp_path, "rfm")
    err = capsys.readouterr().err
    assert "every order line's amount is a placeholder" in err and "withheld" in err
    assert rfm["total_spend"].null_count() == 2 and rfm["monetary_value"].null_count() == 2
    assert rfm["currency"].to_list() == ["CNY", "CNY"]
    assert rfm["purchase_days"].to_list() == [1, 1]  # counts stay real
    kpis = _run(only, tmp_path, "kpis", "--days", "90")
    values = dict(zip(kpis["kpi"], kpis["value"], strict=True))
    assert values["revenue"] is None and values["orders"] == 2.0

    mixed = Workspace.open(tmp_path / "mixed")
    store_report(mixed, check_bytes(ORDERS.encode(), name="o.csv", table="orders",
                                    channel="shop"))  # fmt: skip
    _placeholder_orders(mixed)
    resolve(mixed, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    capsys.readouterr()
    segments = _run(mixed, tmp_path, "segments")
    err = capsys.readouterr().err
    assert "the amounts of 2 of 7 order lines are placeholders" in err
    assert segments["net_spend"].sum() == 202.0  # shown, placeholders included as 1 each
    lifecycle = _run(mixed, tmp_path, "lifecycle")  # no money shown: no note
    assert lifecycle.height and "placeholder" not in capsys.readouterr().err
