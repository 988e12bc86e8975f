"""Quality of a resolution against a ground truth: pair precision and recall, and the ceiling
of a deterministic pass (:func:`linkable_truth`).

Examples
--------
>>> import polars as pl
>>> pred = pl.DataFrame({"channel": ["a", "b"], "source_customer_id": ["1", "2"],
...                      "customer_id": ["C1", "C2"]})
>>> truth = pred.select("channel", "source_customer_id", person_id=pl.lit("P1"))
>>> pair_quality(pred, truth)["recall"]
0.0
"""

from __future__ import annotations

import polars as pl

from cimlab.identity.guard import is_placeholder
from cimlab.identity.keys import key_rows, prepare_records
from cimlab.identity.link import components, with_component
from cimlab.identity.settings import IdentitySettings, check_settings

__all__ = ["linkable_truth", "pair_quality"]


def _pairs(counts: pl.Expr) -> pl.Expr:
    return (counts.cast(pl.Int64) * (counts.cast(pl.Int64) - 1) // 2).sum()


def pair_quality(predicted: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float | int]:
    """Precision, recall and F1 of same-person record pairs, from cluster sizes only.

    Parameters
    ----------
    predicted
        ``channel, source_customer_id, customer_id`` (e.g. :func:`customer_map`).
    truth
        ``channel, source_customer_id, person_id``; rows repeated per table are fine.

    Returns
    -------
    dict
        ``precision, recall, f1, true_pairs, predicted_pairs, correct_pairs, records`` over the
        records present in both frames. Pairs are counted as ``n·(n-1)/2`` per cell of the
        customer × person contingency table, so no pair is enumerated.

    Examples
    --------
    >>> pred = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "customer_id": ["C1", "C1", "C1"]})
    >>> truth = pred.with_columns(person_id=pl.Series(["P1", "P1", "P2"])).drop("customer_id")
    >>> q = pair_quality(pred, truth)
    >>> q["precision"], q["recall"], q["correct_pairs"]
    (0.3333333333333333, 1.0, 1)
    """
    keys = ["channel", "source_customer_id"]
    t = truth.select(*keys, "person_id").unique()
    clash = t.filter(pl.len().over(keys) > 1)
    if not clash.is_empty():
        row = clash.row(0, named=True)
        raise ValueError(
            f"truth maps ({row['channel']}, {row['source_customer_id']}) to several people."
        )
    j = predicted.select(*keys, "customer_id").unique().join(t, on=keys)
    correct = j.group_by("customer_id", "person_id").len().select(_pairs(pl.col("len"))).item()
    pred_pairs = j.group_by("customer_id").len().select(_pairs(pl.col("len"))).item()
    true_pairs = j.group_by("person_id").len().select(_pairs(pl.col("len"))).item()
    correct, pred_pairs, true_pairs = int(correct or 0), int(pred_pairs or 0), int(true_pairs or 0)
    precision = correct / pred_pairs if pred_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "correct_pairs": correct,
        "records": j.height,
    }


def linkable_truth(
    records: pl.DataFrame, truth: pl.DataFrame, *, settings: IdentitySettings | None = None
) -> pl.DataFrame:
    """Refine a ground truth to what identifiers can show: the ceiling of a deterministic pass.

    Each person's records are split into the groups connected by a chain of shared usable
    identifiers (phone, e-mail, shared id; placeholders are not identifiers, the per-key
    record limit is not applied). Records that share nothing with the person's other records
    (a call-centre id no other channel knows, a Tmall buyer whose every order is masked) end up
    alone. ``person_id`` becomes ``"<person_id>/<group>"``.

    Examples
    --------
    >>> recs = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "email": ["x.y@qq.com", "x.y@qq.com", None]})
    >>> truth = recs.select("channel", "source_customer_id", person_id=pl.lit("P1"))
    >>> linkable_truth(recs, truth)["person_id"].n_unique()
    2
    """
    s = check_settings(settings)
    rec = prepare_records(records)
    keyscol = ["channel", "source_customer_id"]
    t = truth.select(*keyscol, "person_id").unique().join(rec.select("rid", *keyscol), on=keyscol)
    keys = key_rows(rec, s).filter(~is_placeholder(s))
    # Key nodes are scoped to the person: the same key on two people links nobody here.
    k = keys.join(t.select("rid", "person_id"), on="rid")
    kid = k.select("person_id", "key_type", "key").unique(maintain_order=True).with_row_index("kid")
    inc = k.join(kid, on=["person_id", "key_type", "key"]).select("rid", "kid")
    empty = pl.DataFrame(schema={"a": pl.UInt32(), "b": pl.UInt32()})
    labels = components(rec.height, kid.height, inc, empty)
    comp = with_component(rec, labels)
    return t.join(comp, on="rid").select(
        *keyscol, person_id=pl.col("person_id") + "/" + pl.col("comp").cast(pl.String)
    )
