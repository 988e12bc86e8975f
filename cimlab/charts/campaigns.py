"""Charts of the Campaigns page: how much of an audience each contact channel reaches.

Examples
--------
>>> spec = reach_chart({"sms": 0.5, "email": 0.25}, "en").to_dict()
>>> spec["mark"]["type"], spec["encoding"]["x"]["axis"]["format"]
('bar', '%')
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.i18n import t

__all__ = ["reach_chart"]


def reach_chart(reachable: dict[str, float], lang: str) -> alt.Chart:
    """Share of the audience reachable per contact channel, as horizontal bars."""
    frame = pl.DataFrame(
        {
            "channel": [t(f"cmp.channel.{c}", lang) for c in reachable],
            "share": list(reachable.values()),
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "share:Q",
                title=t("cmp.reach_axis", lang),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("channel:N", title=None, sort=None),
            tooltip=[
                alt.Tooltip("channel:N", title=t("cmp.reach_channel", lang)),
                alt.Tooltip("share:Q", title=t("cmp.reach_axis", lang), format=".1%"),
            ],
        )
        .properties(height=40 * len(reachable) + 20)
    )
