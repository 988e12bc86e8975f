"""cimlab.analytics.affinity: baskets, support/confidence/lift by hand at both levels, thresholds, a
brute-force cross-check, adversarial inputs, Online Retail; and the affinity chart builders."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import resource
import time

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.affinity import (
    ONLINE_RETAIL_NON_PRODUCTS,
    PAIR_COLUMNS,
    also_bought,
    baskets,
    item_labels,
    product_pairs,
)
from cimlab.charts.affinity import pairs_scatter_chart, top_pairs_chart
from tests.conftest import shared_dataset

UTC = dt.UTC
AS_OF = "2024-01-31"


def ts(day: int, month: int = 1) -> dt.datetime:
    return dt.datetime(2024, month, day, 12, tzinfo=UTC)


def lines(rows: list[tuple[str | None, str, str, str | None, str, dt.datetime]]) -> pl.DataFrame:
    """Order lines: (customer_id, channel, order_id, sku, status, order_ts)."""
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "channel": [r[1] for r in rows],
            "order_id": [r[2] for r in rows],
            "sku": [r[3] for r in rows],
            "product_name": [None if r[3] is None else f"name {r[3]}" for r in rows],
            "status": [r[4] for r in rows],
            "order_ts": [r[5] for r in rows],
        },
        schema={
            "customer_id": pl.String,
            "channel": pl.String,
            "order_id": pl.String,
            "sku": pl.String,
            "product_name": pl.String,
            "status": pl.String,
            "order_ts": pl.Datetime("us", "UTC"),
        },
    )


def shop() -> pl.DataFrame:
    """Six orders: O1 {A,B,C}, O2 {A,B}, O3 {A,B}, O4 {A,C}, O5 {C,D}, O6 {D}; plus noise.

    Customers: c1 = O1 + O2, c2 = O3 + O4, c3 = O5 + O6.
    """
    p = "paid"
    return lines(
        [
            ("c1", "shop", "O1", "A", p, ts(1)),
            ("c1", "shop", "O1", "B", p, ts(1)),
            ("c1", "shop", "O1", "C", p, ts(1)),
            ("c1", "shop", "O1", "A", p, ts(1)),  # A twice in O1: counts once
            ("c1", "shop", "O2", "A", p, ts(2)),
            ("c1", "shop", "O2", "B", p, ts(2)),
            ("c2", "shop", "O3", "A", p, ts(3)),
            ("c2", "shop", "O3", "B", p, ts(3)),
            ("c2", "shop", "O4", "A", p, ts(4)),
            ("c2", "shop", "O4", "C", p, ts(4)),
            ("c3", "shop", "O5", "C", p, ts(5)),
            ("c3", "shop", "O5", "D", p, ts(5)),
            ("c3", "shop", "O6", "D", p, ts(6)),
            # noise: none of these count
            ("c3", "shop", "O6", "A", "cancelled", ts(6)),
            ("c3", "shop", "O6", "B", "refunded", ts(6)),
            ("c3", "shop", "O6", "C", "pending", ts(6)),
            ("c3", "shop", "O6", None, p, ts(6)),
            ("c3", "shop", "O7", "A", "cancelled", ts(7)),  # an order with nothing paid
            ("c3", "shop", "O8", "B", p, ts(1, month=2)),  # after as_of
        ]
    )


def rules(rows: list[tuple[str, str, int, float, float, float, float, float]]) -> pl.DataFrame:
    schema = {**dict.fromkeys(PAIR_COLUMNS, pl.Float64), "item_a": pl.String, "item_b": pl.String}
    return pl.DataFrame(rows, schema={**schema, "baskets_both": pl.Int64}, orient="row")


def test_baskets_follow_the_rule() -> None:
    got = baskets(shop(), as_of=AS_OF)
    assert got["basket"].n_unique() == 6
    assert got.group_by("basket", maintain_order=True).agg("item")["item"].to_list() == [
        ["A", "B", "C"],
        ["A", "B"],
        ["A", "B"],
        ["A", "C"],
        ["C", "D"],
        ["D"],
    ]
    per_customer = baskets(shop(), as_of=AS_OF, level="customer")
    assert per_customer.group_by("basket", maintain_order=True).agg("item")["item"].to_list() == [
        ["A", "B", "C"],
        ["A", "B", "C"],
        ["C", "D"],
    ]


def test_order_level_by_hand() -> None:
    # N = 6; A in 4, B in 3, C in 3, D in 2; AB 3, AC 2, BC 1, CD 1
    got = product_pairs(shop(), as_of=AS_OF, min_support=0, min_count=1, min_lift=0)
    expected = rules(
        [
            ("A", "B", 3, 3 / 6, 3 / 4, 3 * 6 / (4 * 3), 4 / 6, 3 / 6),
            ("B", "A", 3, 3 / 6, 3 / 3, 3 * 6 / (3 * 4), 3 / 6, 4 / 6),
            ("A", "C", 2, 2 / 6, 2 / 4, 2 * 6 / (4 * 3), 4 / 6, 3 / 6),
            ("C", "A", 2, 2 / 6, 2 / 3, 2 * 6 / (3 * 4), 3 / 6, 4 / 6),
            ("C", "D", 1, 1 / 6, 1 / 3, 1 * 6 / (3 * 2), 3 / 6, 2 / 6),
            ("D", "C", 1, 1 / 6, 1 / 2, 1 * 6 / (2 * 3), 2 / 6, 3 / 6),
            ("B", "C", 1, 1 / 6, 1 / 3, 1 * 6 / (3 * 3), 3 / 6, 3 / 6),
            ("C", "B", 1, 1 / 6, 1 / 3, 1 * 6 / (3 * 3), 3 / 6, 3 / 6),
        ]
    )
    assert_frame_equal(got, expected)
    assert got["lift"][0] == 1.5 and got["confidence"][1] == 1.0


def test_customer_level_by_hand() -> None:
    # N = 3 customers: {A,B,C}, {A,B,C}, {C,D}; A 2, B 2, C 3, D 1
    got = product_pairs(
        shop(), as_of=AS_OF, level="customer", min_support=0, min_count=1, min_lift=0
    )
    expected = rules(
        [
            ("A", "B", 2, 2 / 3, 1.0, 1.5, 2 / 3, 2 / 3),
            ("B", "A", 2, 2 / 3, 1.0, 1.5, 2 / 3, 2 / 3),
            ("A", "C", 2, 2 / 3, 1.0, 1.0, 2 / 3, 1.0),
            ("B", "C", 2, 2 / 3, 1.0, 1.0, 2 / 3, 1.0),
            ("C", "A", 2, 2 / 3, 2 / 3, 1.0, 1.0, 2 / 3),
            ("C", "B", 2, 2 / 3, 2 / 3, 1.0, 1.0, 2 / 3),
            ("C", "D", 1, 1 / 3, 1 / 3, 1.0, 1.0, 1 / 3),
            ("D", "C", 1, 1 / 3, 1.0, 1.0, 1 / 3, 1.0),
        ]
    )
    assert_frame_equal(got, expected)


def test_customer_level_drops_lines_without_a_customer_and_takes_another_column() -> None:
    frame = shop().with_columns(
        pl.when(pl.col("order_id") == "O5").then(None).otherwise(pl.col("customer_id")).alias("who")
    )
    got = baskets(frame, as_of=AS_OF, level="customer", customer_col="who")
    assert got["basket"].n_unique() == 3  # c3 keeps O6 only
    assert got.filter(pl.col("basket") == 2)["item"].to_list() == ["D"]


def test_same_order_id_in_two_channels_is_two_baskets() -> None:
    frame = lines(
        [
            (None, "tmall", "1", "A", "paid", ts(1)),
            (None, "jd", "1", "B", "paid", ts(1)),
        ]
    )
    assert baskets(frame, as_of=AS_OF)["basket"].n_unique() == 2
    assert product_pairs(frame, as_of=AS_OF, min_count=1, min_lift=0).is_empty()


def test_thresholds() -> None:
    base = {"as_of": AS_OF, "min_support": 0.0, "min_count": 1, "min_lift": 0.0}
    # defaults: min_count 2 and lift ≥ 1 keep AB and AC
    default = product_pairs(shop(), as_of=AS_OF, min_support=0.001)
    assert default.select("item_a", "item_b").rows() == [
        ("A", "B"), ("B", "A"), ("A", "C"), ("C", "A"),
    ]  # fmt: skip
    # support is symmetric: ≥ 1/3 keeps AB (1/2) and AC (1/3)
    assert product_pairs(shop(), **{**base, "min_support": 1 / 3}).height == 4
    assert product_pairs(shop(), **{**base, "min_support": 0.34}).height == 2
    # confidence is directed: ≥ 0.7 keeps A→B (0.75) and B→A (1.0) only
    conf = product_pairs(shop(), **{**base, "min_confidence": 0.7})
    assert conf.select("item_a", "item_b").rows() == [("A", "B"), ("B", "A")]
    # lift
    assert product_pairs(shop(), **{**base, "min_lift": 1.01}).height == 2
    # counts
    assert set(product_pairs(shop(), **{**base, "min_count": 3})["item_a"]) == {"A", "B"}
    assert product_pairs(shop(), **{**base, "min_count": 4}).is_empty()


def test_max_basket_items_leaves_big_baskets_out_entirely() -> None:
    # without O1 {A,B,C}: N = 5; A 3, B 2, C 2, D 2; AB 2, AC 1, CD 1
    got = product_pairs(
        shop(), as_of=AS_OF, min_support=0, min_count=2, min_lift=0, max_basket_items=2
    )
    assert got.select("item_a", "item_b", "baskets_both").rows() == [
        ("A", "B", 2, ), ("B", "A", 2),
    ]  # fmt: skip
    assert got["support"][0] == pytest.approx(2 / 5)
    assert got["lift"][0] == pytest.approx(2 * 5 / (3 * 2))
    with pytest.raises(ValueError, match="max_basket_items=1"):
        product_pairs(shop(), as_of=AS_OF, max_basket_items=1)


def test_excluded_items_leave_the_baskets_and_empty_baskets_leave_n() -> None:
    # exclude D: O5 = {C}, O6 = {} is no basket; N = 5; A 4, B 3, C 3; AB 3, AC 2, BC 1
    got = product_pairs(shop(), as_of=AS_OF, min_support=0, min_count=1, min_lift=0, exclude=["D"])
    expected = rules(
        [
            ("A", "B", 3, 3 / 5, 3 / 4, 3 * 5 / (4 * 3), 4 / 5, 3 / 5),
            ("B", "A", 3, 3 / 5, 3 / 3, 3 * 5 / (3 * 4), 3 / 5, 4 / 5),
            ("A", "C", 2, 2 / 5, 2 / 4, 2 * 5 / (4 * 3), 4 / 5, 3 / 5),
            ("C", "A", 2, 2 / 5, 2 / 3, 2 * 5 / (3 * 4), 3 / 5, 4 / 5),
            ("B", "C", 1, 1 / 5, 1 / 3, 1 * 5 / (3 * 3), 3 / 5, 3 / 5),
            ("C", "B", 1, 1 / 5, 1 / 3, 1 * 5 / (3 * 3), 3 / 5, 3 / 5),
        ]
    )
    assert_frame_equal(got, expected)
    assert baskets(shop(), as_of=AS_OF, exclude=["D"])["basket"].n_unique() == 5
    # customer level: c3 = {C} after D goes, still a basket; N = 3; A 2, B 2, C 3
    per_customer = product_pairs(
        shop(), as_of=AS_OF, level="customer", min_support=0, min_count=1, min_lift=0,
        exclude=("D",),
    )  # fmt: skip
    ab = per_customer.filter((pl.col("item_a") == "A") & (pl.col("item_b") == "B")).row(0)
    assert ab == ("A", "B", 2, 2 / 3, 1.0, 1.5, 2 / 3, 2 / 3)
    assert "D" not in set(per_customer["item_a"])
    # max_basket_items counts what is left: O1 {A,B,C} minus C has 2 items and stays
    capped = baskets(shop(), as_of=AS_OF, max_basket_items=2, exclude=["C"])
    assert capped.group_by("basket", maintain_order=True).agg("item")["item"].to_list() == [
        ["A", "B"],
        ["A", "B"],
        ["A", "B"],
        ["A"],
        ["D"],
        ["D"],
    ]
    # nothing to exclude: the same answer; everything excluded: no baskets, no pairs
    plain = product_pairs(shop(), as_of=AS_OF, min_support=0, min_count=1, min_lift=0)
    assert_frame_equal(
        product_pairs(shop(), as_of=AS_OF, min_support=0, min_count=1, min_lift=0,
                      exclude=["Z", "a"]),  # exact and case-sensitive: "a" is not "A"
        plain,
    )  # fmt: skip
    gone = product_pairs(shop(), as_of=AS_OF, min_count=1, exclude=["A", "B", "C", "D"])
    assert gone.is_empty() and gone.columns == list(PAIR_COLUMNS)


def test_exclude_must_be_a_list_of_strings() -> None:
    with pytest.raises(ValueError, match="exclude='POST' should be a list"):
        product_pairs(shop(), as_of=AS_OF, exclude="POST")
    with pytest.raises(ValueError, match="exclude="):
        baskets(shop(), as_of=AS_OF, exclude=[1])  # type: ignore[list-item]
    assert ONLINE_RETAIL_NON_PRODUCTS == (
        "POST", "DOT", "M", "BANK CHARGES", "C2", "AMAZONFEE", "PADS", "D", "CRUK", "S", "B",
    )  # fmt: skip


def test_window_start_and_as_of() -> None:
    got = baskets(shop(), as_of="2024-02-01", start="2024-01-05")
    # O5, O6 and O8 (Feb 1): D, C; D; B
    assert got.group_by("basket", maintain_order=True).agg("item")["item"].to_list() == [
        ["C", "D"], ["D"], ["B"],
    ]  # fmt: skip
    shanghai = baskets(shop(), as_of="2024-01-31", start="2024-01-31", time_zone="Asia/Shanghai")
    assert shanghai.is_empty()


def _brute_force(frame: pl.DataFrame, *, min_count: int, min_support: float) -> pl.DataFrame:
    """Every directed pair counted in plain Python, for a cross-check."""
    sets: dict[tuple[str, str], set[str]] = {}
    for row in frame.iter_rows(named=True):
        if row["status"] == "paid" and row["sku"] is not None:
            sets.setdefault((row["channel"], row["order_id"]), set()).add(row["sku"])
    n = len(sets)
    single: dict[str, int] = {}
    both: dict[tuple[str, str], int] = {}
    for items in sets.values():
        for x in items:
            single[x] = single.get(x, 0) + 1
        for x, y in itertools.permutations(sorted(items), 2):
            both[(x, y)] = both.get((x, y), 0) + 1
    rows = [
        (
            x,
            y,
            k,
            k / n,
            k / single[x],
            k * n / (single[x] * single[y]),
            single[x] / n,
            single[y] / n,
        )
        for (x, y), k in both.items()
        if k >= min_count and k / n >= min_support
    ]
    return rules(rows).sort(
        ["lift", "baskets_both", "item_a", "item_b"], descending=[True, True, False, False]
    )


def test_pruning_never_changes_the_answer_against_a_brute_force_count() -> None:
    rng = random.Random(7)
    skus = [f"S{i:02d}" for i in range(30)]
    weights = [1 / (i + 1) for i in range(30)]  # some items frequent, most rare
    rows = []
    for order in range(400):
        for sku in rng.choices(skus, weights, k=rng.randint(1, 6)):
            status = "paid" if rng.random() > 0.1 else "cancelled"
            rows.append((None, "shop", f"O{order}", sku, status, ts(1 + order % 28)))
    frame = lines(rows)
    for min_count, min_support in [(1, 0.0), (2, 0.01), (5, 0.02), (3, 0.05)]:
        got = product_pairs(
            frame, as_of=AS_OF, min_count=min_count, min_support=min_support, min_lift=0
        )
        expected = _brute_force(frame, min_count=min_count, min_support=min_support)
        assert got.height > 0
        assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12)


@pytest.mark.parametrize(
    "frame",
    [
        lines([]),
        lines([("a", "shop", "1", "A", "paid", ts(1)), ("a", "shop", "2", "B", "paid", ts(2))]),
        lines(
            [
                ("a", "shop", "1", "A", "cancelled", ts(1)),
                ("a", "shop", "1", "B", "cancelled", ts(1)),
            ]
        ),
        lines([("a", "shop", "1", None, "paid", ts(1)), ("a", "shop", "1", None, "paid", ts(1))]),
    ],
    ids=["empty", "single-item baskets", "all cancelled", "no items"],
)
def test_nothing_to_pair_gives_an_empty_frame_with_the_columns(frame: pl.DataFrame) -> None:
    got = product_pairs(frame, as_of=AS_OF, min_count=1, min_lift=0, min_support=0)
    assert got.is_empty()
    assert got.columns == list(PAIR_COLUMNS)
    assert got.schema["baskets_both"] == pl.Int64 and got.schema["lift"] == pl.Float64


def test_bad_arguments_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="'category' \\(needed for item='category'\\)"):
        product_pairs(shop(), as_of=AS_OF, item="category")
    with pytest.raises(ValueError, match="level='basket' should be one of order, customer"):
        product_pairs(shop(), as_of=AS_OF, level="basket")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match="no column 'customer_id' \\(needed for level='customer'\\)"
    ):
        product_pairs(shop().drop("customer_id"), as_of=AS_OF, level="customer")
    with pytest.raises(ValueError, match="min_support=2"):
        product_pairs(shop(), as_of=AS_OF, min_support=2)
    with pytest.raises(ValueError, match="min_count=0"):
        product_pairs(shop(), as_of=AS_OF, min_count=0)
    with pytest.raises(ValueError, match="min_lift=-1"):
        product_pairs(shop(), as_of=AS_OF, min_lift=-1)


def test_other_item_columns() -> None:
    got = product_pairs(shop(), as_of=AS_OF, item="product_name", min_count=2)
    assert got["item_a"].to_list()[:2] == ["name A", "name B"]


def test_lazy_input_gives_the_same_answer() -> None:
    eager = product_pairs(shop(), as_of=AS_OF, min_count=1, min_lift=0, min_support=0)
    assert_frame_equal(
        product_pairs(shop().lazy(), as_of=AS_OF, min_count=1, min_lift=0, min_support=0), eager
    )


def test_also_bought_and_item_labels() -> None:
    pairs = product_pairs(shop(), as_of=AS_OF, min_count=1, min_lift=0, min_support=0)
    got = also_bought(pairs, "C")
    # C → A (2/3), then C → B and C → D (1/3 each; D has the higher lift)
    assert got.select("item_b", "confidence").rows() == [("A", 2 / 3), ("D", 1 / 3), ("B", 1 / 3)]
    assert also_bought(pairs, "C", n=1).height == 1
    assert also_bought(pairs, "nothing").is_empty()
    with pytest.raises(ValueError, match="missing columns"):
        also_bought(pairs.drop("lift"), "C")
    frame = pl.DataFrame(
        {"sku": ["A", "A", "A", "B", "B", None], "product_name": ["x", "y", "x", "q", "p", "z"]}
    )
    assert item_labels(frame).rows() == [("A", "x"), ("B", "p")]  # B: a tie → alphabetical


def test_charts_from_real_output() -> None:
    pairs = product_pairs(shop(), as_of=AS_OF, min_count=1, min_lift=0, min_support=0)
    labels = item_labels(shop())
    for lang in ("zh", "en"):
        spec = top_pairs_chart(pairs, labels=labels, n=3, lang=lang).to_dict()
        rows = next(iter(spec["datasets"].values()))
        assert [r["pair"] for r in rows] == [
            "name A + name B",
            "name A + name C",
            "name C + name D",
        ]
        assert (rows[0]["confidence_ab"], rows[0]["confidence_ba"]) == (0.75, 1.0)
        scatter = pairs_scatter_chart(pairs, labels=None, max_points=5, lang=lang).to_dict()
        assert len(next(iter(scatter["datasets"].values()))) == 5
    assert top_pairs_chart(pairs, lang="zh").to_dict()["encoding"]["x"]["title"] == "提升度"
    with pytest.raises(ValueError, match="top_pairs_chart needs the columns"):
        top_pairs_chart(pairs.drop("lift"))


# ----------------------------------------------------------------------------- Online Retail


@pytest.fixture(scope="module")
def online_retail() -> pl.DataFrame:
    from cimlab.ingest.importer import check_file

    return check_file(shared_dataset("online_retail.csv.gz"), mapping="online_retail").valid


@pytest.fixture(scope="module")
def raw_invoices() -> pl.DataFrame:
    """Independent of cimlab: the raw CSV read as text with plain Polars, one row per (paid
    invoice, stock code). A paid line is one whose InvoiceNo does not start with ``C`` (a
    cancellation), with a StockCode and a UnitPrice of at least 0 (the two lines of "Adjust bad
    debt" with a negative price are refused by the contract)."""
    raw = pl.read_csv(shared_dataset("online_retail.csv.gz"), infer_schema=False)
    return (
        raw.filter(
            ~pl.col("InvoiceNo").str.starts_with("C"),
            pl.col("StockCode").is_not_null(),
            pl.col("UnitPrice").cast(pl.Float64) >= 0,
        )
        .select("InvoiceNo", "StockCode")
        .unique()
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_online_retail_pairs_at_both_levels(
    online_retail: pl.DataFrame, raw_invoices: pl.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = online_retail["order_ts"].max().date()  # type: ignore[union-attr]
    report = []
    results = {}
    for level, cap in (("order", None), ("customer", None), ("customer", 200)):
        began = time.perf_counter()
        pairs = product_pairs(
            online_retail,
            as_of=as_of,
            level=level,  # type: ignore[arg-type]
            customer_col="source_customer_id",
            max_basket_items=cap,
        )
        seconds = time.perf_counter() - began
        results[(level, cap)] = pairs
        report.append(
            f"{level:8} cap={cap!s:4} {pairs.height:>9,} rules  {seconds:5.1f} s  "
            f"process peak {_peak_mb():,.0f} MB"
        )
        assert pairs.height > 100_000
        assert pairs["lift"].min() >= 1.0 and pairs["baskets_both"].min() >= 2
        assert (pairs["support"] >= 0.001).all()
    n_orders = baskets(online_retail, as_of=as_of)["basket"].n_unique()
    # paid invoices with a stock code, counted from the raw file without cimlab
    assert n_orders == raw_invoices["InvoiceNo"].n_unique() == 22_062

    strong = product_pairs(online_retail, as_of=as_of, min_support=0.02)
    labels = item_labels(online_retail)
    names = dict(labels.iter_rows())
    top = strong.filter(pl.col("item_a") < pl.col("item_b")).head(5)
    with capsys.disabled():
        print("\nOnline Retail affinity (min_support 0.001):")
        print("\n".join(report))
        print("top pairs by lift at min_support 0.02:")
        for row in top.iter_rows(named=True):
            print(
                f"  {names[row['item_a']]} + {names[row['item_b']]}: lift {row['lift']:.1f}, "
                f"{row['baskets_both']} orders, confidence {row['confidence']:.2f}"
            )
    # the Regency teacup and saucer colour variants are bought together
    teacups = {"22697", "22698", "22699"}  # green, pink, roses
    first = top.row(0, named=True)
    assert {first["item_a"], first["item_b"]} == {"22697", "22698"}
    assert "REGENCY TEACUP AND SAUCER" in names["22697"]
    pair_sets = [{a, b} for a, b in top.select("item_a", "item_b").iter_rows()]
    assert sum(s <= teacups for s in pair_sets) == 3
    # the same pair counted by hand from the raw invoices: lift = N × both / (n_a × n_b)
    holding = {
        sku: set(raw_invoices.filter(pl.col("StockCode") == sku)["InvoiceNo"].to_list())
        for sku in ("22697", "22698")
    }
    both = len(holding["22697"] & holding["22698"])
    n_a, n_b = len(holding["22697"]), len(holding["22698"])
    lift = raw_invoices["InvoiceNo"].n_unique() * both / (n_a * n_b)
    assert first["baskets_both"] == both == 633
    assert first["lift"] == pytest.approx(lift, rel=1e-12)
    assert first["confidence"] == pytest.approx(both / (n_a if first["item_a"] == "22697" else n_b))
    assert round(lift, 2) == 17.94
    also = also_bought(strong, "22697", n=3)
    assert set(also["item_b"].to_list()[:2]) == {"22698", "22699"}


def test_online_retail_without_its_non_products(
    online_retail: pl.DataFrame, raw_invoices: pl.DataFrame
) -> None:
    as_of = online_retail["order_ts"].max().date()  # type: ignore[union-attr]
    non = list(ONLINE_RETAIL_NON_PRODUCTS)
    paid = online_retail.filter(pl.col("status") == "paid", pl.col("sku").is_not_null())
    assert set(non) & set(paid["sku"].unique().to_list()) >= {"POST", "DOT", "M"}
    # invoices holding nothing but postage, fees or adjustments are no baskets any more
    only_non = (
        paid.group_by("channel", "order_id").agg(pl.col("sku").is_in(non).all().alias("only"))
    )["only"].sum()
    assert only_non > 0
    kept = baskets(online_retail, as_of=as_of, exclude=non)
    assert kept["basket"].n_unique() == 22_062 - only_non
    # the same count from the raw file without cimlab: invoices with a product left
    assert (
        only_non
        == 22_062 - raw_invoices.filter(~pl.col("StockCode").is_in(non))["InvoiceNo"].n_unique()
    )
    assert not kept["item"].is_in(non).any()
    pairs = product_pairs(online_retail, as_of=as_of, min_support=0.01, exclude=non)
    assert not pairs["item_a"].is_in(non).any() and not pairs["item_b"].is_in(non).any()
    with_post = product_pairs(online_retail, as_of=as_of, min_support=0.01)
    assert with_post["item_a"].is_in(non).any()  # POST pairs with everything shipped abroad


def test_with_item_names_puts_each_label_beside_its_item() -> None:
    from cimlab.analytics.affinity import with_item_names

    pairs = pl.DataFrame({"item_a": ["A1", "B2"], "item_b": ["B2", "C3"], "lift": [2.0, 3.0]})
    labels = pl.DataFrame({"item": ["A1", "B2", "C3"], "label": ["Mug", None, "Tea"]})
    named = with_item_names(pairs, labels)
    assert named.columns == ["item_a", "name_a", "item_b", "name_b", "lift"]
    # B2 has no label: it shows as written; C3 is named on the b side
    assert named.rows() == [("A1", "Mug", "B2", "B2", 2.0), ("B2", "B2", "C3", "Tea", 3.0)]
    assert with_item_names(pairs)["name_a"].to_list() == ["A1", "B2"]
    with pytest.raises(ValueError, match="labels frame has no column 'label'"):
        with_item_names(pairs, labels.drop("label"))
