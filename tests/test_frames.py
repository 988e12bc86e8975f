"""The one input-column check."""

from __future__ import annotations

import polars as pl
import pytest

from cimlab.frames import require_columns


def test_require_columns_on_frames_lazy_frames_and_schemas() -> None:
    frame = pl.DataFrame({"customer_id": ["a"], "ts": [1]})
    for given in (frame, frame.lazy(), frame.schema):
        assert require_columns(given, ["ts"]) == frame.schema
    with pytest.raises(ValueError) as info:
        require_columns(frame.lazy(), ["ts", "nps", "csat"], what="feedback frame", hint="Fix.")
    assert str(info.value) == (
        "the feedback frame has no column 'nps', 'csat'; columns are customer_id, ts. Fix."
    )


def test_require_columns_names_the_keyword_to_fix() -> None:
    schema = pl.Schema({"cid": pl.String})
    needed = {"customer_col": "cid", "time_col": "order_ts", "status_col": None}
    with pytest.raises(ValueError, match=r"no column 'order_ts' \(time_col\); columns are cid\.$"):
        require_columns(schema, needed, what="orders frame")
    with pytest.raises(ValueError, match="columns are none"):
        require_columns(pl.DataFrame(), ["a"])
