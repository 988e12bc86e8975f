"""Tests for cimlab.customers.source_ids: ``source_ids`` by hand on frames, on a small workspace
whose identities are resolved across two channels (the CLI ``--out`` files and the Python
tables), and on CDNOW imported as a user would (the ids round-trip to the original file)."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import io
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cimlab as cl
from cimlab.analytics.facts import customer_data
from cimlab.analytics.lifecycle import lifecycle_stages
from cimlab.analytics.rfm import rfm_table
from cimlab.cli import main
from cimlab.customers.source_ids import SOURCE_IDS_SEPARATOR, with_source_ids
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

# --------------------------------------------------------------------------------------------
# By hand, on frames
# --------------------------------------------------------------------------------------------

MAP = pl.DataFrame(
    {
        "channel": ["wechat", "online_shop", "tmall", "online_shop", "tmall"],
        "source_customer_id": ["oX1f", "0012345", "lin88", "0099", "lin88"],
        "customer_id": ["C1", "C1", "C1", "C2", None],
    }
)


def test_entries_are_channel_colon_id_sorted_and_joined() -> None:
    scores = pl.DataFrame({"n": [1, 2, 3, 4], "customer_id": ["C2", "C1", None, "C9"]})
    got = with_source_ids(scores, MAP)
    expected = pl.DataFrame(
        {
            "n": [1, 2, 3, 4],
            "customer_id": ["C2", "C1", None, "C9"],
            "source_ids": [
                "online_shop:0099",
                "online_shop:0012345 | tmall:lin88 | wechat:oX1f",  # by channel, then id
                None,  # no customer
                None,  # not in the map
            ],
        }
    )
    assert_frame_equal(got, expected)
    assert SOURCE_IDS_SEPARATOR == " | "
    # every entry splits back into (channel, id) at its first colon
    entries = got["source_ids"][1].split(SOURCE_IDS_SEPARATOR)
    assert [tuple(e.split(":", 1)) for e in entries] == [
        ("online_shop", "0012345"),
        ("tmall", "lin88"),
        ("wechat", "oX1f"),
    ]


def test_rows_order_duplicates_and_an_old_column_are_kept_right() -> None:
    rows = pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C1"],
            "source_ids": ["stale", "stale", "stale"],
            "x": [1, 2, 3],
        }
    )
    got = with_source_ids(rows, MAP.reverse())  # the map's order does not matter
    assert got.columns == ["customer_id", "source_ids", "x"]
    assert got["x"].to_list() == [1, 2, 3]
    assert got["source_ids"].to_list() == [
        "online_shop:0012345 | tmall:lin88 | wechat:oX1f",
        "online_shop:0099",
        "online_shop:0012345 | tmall:lin88 | wechat:oX1f",
    ]
    # the same record twice in the map (one row per record and table upstream) counts once
    doubled = with_source_ids(rows, pl.concat([MAP, MAP]))
    assert_frame_equal(doubled, got)
    lazy = with_source_ids(rows.lazy(), MAP)
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), got)


def test_refuses_frames_without_customer_id_and_maps_without_columns() -> None:
    with pytest.raises(ValueError, match="needs a customer_id column; columns are segment"):
        with_source_ids(pl.DataFrame({"segment": ["Loyal"]}), MAP)
    with pytest.raises(ValueError, match="no column 'channel'"):
        with_source_ids(pl.DataFrame({"customer_id": ["C1"]}), MAP.drop("channel"))


def test_public_api() -> None:
    assert cl.with_source_ids is with_source_ids
    assert "with_source_ids" in cl.__all__


# --------------------------------------------------------------------------------------------
# A small workspace: Ann buys in the shop and on Tmall (one phone), 23 others in the shop
# --------------------------------------------------------------------------------------------

AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
AS_OF = "2026-03-31"
PEOPLE = [f"{i:04d}" for i in range(2, 25)]  # shop ids 0002..0024, leading zeros


def _orders(channel: str, rows: list[tuple[str, str, str, float]]) -> bytes:
    lines = ["order_id,line,customer_id,order_date,amount,currency,status"]
    lines += [f"{channel[0]}{i},1,{cid},{day} 10:00,{amount},CNY,paid" for i, (cid, day, _, amount)
              in enumerate(rows)]  # fmt: skip
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace.open(tmp_path_factory.mktemp("source_ids") / "ws")
    shop_customers = "customer_id,name,phone\n0001,Ann Li,13800138000\n" + "".join(
        f"{p},Person {p},1390000{p}\n" for p in PEOPLE
    )
    tmall_customers = "customer_id,name,phone\nlin88,Ann Li,13800138000\n"
    shop_orders = [("0001", "2026-01-10", "", 100.0), ("0001", "2026-03-01", "", 30.0)]
    shop_orders += [
        (p, f"2026-{1 + i % 3:02d}-{1 + i % 27:02d}", "", 10.0 + 7 * i)
        for i, p in enumerate(PEOPLE)
    ]
    shop_orders += [(p, "2026-03-20", "", 5.0 * i) for i, p in enumerate(PEOPLE) if i % 3 == 0]
    tmall_orders = [("lin88", "2026-02-14", "", 60.0)]
    for text, table, channel in (
        (shop_customers.encode(), "customers", "shop"),
        (tmall_customers.encode(), "customers", "tmall"),
        (_orders("shop", shop_orders), "orders", "shop"),
        (_orders("tmall", tmall_orders), "orders", "tmall"),
    ):
        report = check_bytes(text, name=f"{channel}_{table}.csv", table=table, channel=channel)
        assert report.quarantine.height == 0
        store_report(ws, report)
    resolve(ws, at=AT)
    return ws


def _cli(ws: Workspace, tmp_path: Path, action: str, *args: str) -> pl.DataFrame:
    out = tmp_path / f"{action}.parquet"
    code = main(
        ["analyse", action, "--workspace", str(ws.path), "--as-of", AS_OF, "--out", str(out), *args]
    )
    assert code == 0
    return pl.read_parquet(out)


def _ann(ws: Workspace) -> str:
    ids = ws.identity_map().filter(pl.col("source_customer_id") == "lin88")["customer_id"]
    return str(ids.item())


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("rfm", ()),
        ("clusters", ("--k", "3")),
        ("lifecycle", ()),
    ],
)
def test_cli_out_files_carry_the_source_ids(
    shop: Workspace, tmp_path: Path, action: str, args: tuple[str, ...]
) -> None:
    frame = _cli(shop, tmp_path, action, *args)
    assert frame.columns[frame.columns.index("customer_id") + 1] == "source_ids"
    ann = frame.filter(pl.col("customer_id") == _ann(shop))
    assert ann["source_ids"].unique().to_list() == ["shop:0001 | tmall:lin88"]
    others = frame.filter(pl.col("customer_id") != _ann(shop))
    # everyone else has one shop id, leading zeros kept, and it is their own record
    assert others["source_ids"].str.contains(r"^shop:\d{4}$").all()
    back = dict(shop.identity_map().select("customer_id", "source_customer_id").iter_rows())
    assert [s.removeprefix("shop:") for s in others["source_ids"]] == [
        back[c] for c in others["customer_id"]
    ]
    assert frame.height == 24 and frame["source_ids"].null_count() == 0  # one row per buyer


def test_cli_clusters_say_how_clear_the_structure_is(
    shop: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    k = _cli(shop, tmp_path, "clusters", "--view", "k")
    assert k.columns == ["k", "score", "score_std", "wins", "chosen", "criterion"]
    assert k["wins"].sum() == pytest.approx(1.0)
    chosen = k.filter("chosen")
    err = capsys.readouterr().err
    assert (
        f"cimlab: clusters: k={chosen['k'].item()}: mean silhouette {chosen['score'].item():.2f}"
        in err
    )
    assert f"in {chosen['wins'].item():.0%} of 200 bootstrap resamples" in err


def test_cli_segments_have_no_customer_and_no_source_ids(shop: Workspace, tmp_path: Path) -> None:
    segments = _cli(shop, tmp_path, "segments")
    assert "customer_id" not in segments.columns and "source_ids" not in segments.columns
    assert segments["customers"].sum() == 24


def test_python_tables_through_the_workspace(shop: Workspace) -> None:
    data = customer_data(shop)
    scores = with_source_ids(rfm_table(data.orders, as_of=AS_OF), shop)
    ann = scores.filter(pl.col("source_ids") == "shop:0001 | tmall:lin88")
    # Ann's three purchase days (two in the shop, one on Tmall) and 190 spent, under one id
    assert ann.select("purchase_days", "total_spend").row(0) == (3, 190.0)
    stages = with_source_ids(lifecycle_stages(data.orders, as_of=AS_OF), shop)
    assert stages.filter(pl.col("customer_id") == _ann(shop))["source_ids"].item() == (
        "shop:0001 | tmall:lin88"
    )
    # the map read once can be passed instead of the workspace
    assert_frame_equal(with_source_ids(stages, shop.identity_map()), stages)


# --------------------------------------------------------------------------------------------
# CDNOW (shipped in lifetimes): imported as one channel, the ids come back as in the file
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, pl.DataFrame]:
    text = (importlib.resources.files("lifetimes") / "datasets" / "CDNOW_master.txt").read_text()
    raw = (
        pl.Series("line", text.splitlines()[1:])
        .str.extract_groups(r"^\s*(?<id>\d+)\s+(?<date>\d{8})\s+(?<cds>\d+)\s+(?<dollars>[\d.]+)")
        .struct.unnest()
        .drop_nulls()
    )
    csv = raw.with_row_index("n").select(
        order_id=pl.format("O{}", "n"),
        customer_id="id",
        order_date=pl.col("date").str.to_date("%Y%m%d").dt.to_string("%Y-%m-%d"),
        amount="dollars",
        currency=pl.lit("USD"),
        status=pl.lit("paid"),
    )
    ws = Workspace.open(tmp_path_factory.mktemp("cdnow") / "ws")
    store_report(
        ws, check_bytes(csv.write_csv().encode(), name="cdnow.csv", table="orders", channel="cdnow")
    )
    resolve(ws, at=dt.datetime(1998, 7, 1, tzinfo=dt.UTC))
    return ws, raw


def test_cdnow_source_ids_round_trip_to_the_original_ids(
    cdnow: tuple[Workspace, pl.DataFrame], tmp_path: Path
) -> None:
    ws, raw = cdnow
    assert raw.height == 69_659 and raw["id"].n_unique() == 23_570
    out = tmp_path / "rfm.csv"
    args = ["--workspace", str(ws.path), "--as-of", "1998-06-30", "--out", str(out)]
    assert main(["analyse", "rfm", *args]) == 0
    scores = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig")), infer_schema=False)
    parts = scores["source_ids"].str.split_exact(":", 1).struct.rename_fields(["channel", "id"])
    back = scores.with_columns(parts.struct.unnest())
    assert back["channel"].unique().to_list() == ["cdnow"]
    assert back["id"].str.contains(r"^\d{5}$").all()  # "00001": leading zeros survive
    assert back["id"].is_unique().all() and back["customer_id"].is_unique().all()
    # a buyer is a customer with a day of positive spend: the same ids as in the file
    buyers = raw.filter(pl.col("dollars").cast(pl.Float64) > 0)["id"].unique().sort()
    assert back["id"].sort().to_list() == buyers.to_list()
    # joined back on the original id, each customer's purchase days are the file's own count
    days = (
        raw.filter(pl.col("dollars").cast(pl.Float64) > 0)
        .group_by("id")
        .agg(file_days=pl.col("date").n_unique())
    )
    joined = back.join(days, on="id", how="left")
    assert (joined["purchase_days"].cast(pl.Int64) == joined["file_days"]).all()
    assert joined.filter(pl.col("id") == "00001")["purchase_days"].cast(pl.Int64).item() == 1
