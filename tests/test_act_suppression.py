"""Tests for cimlab.act.suppression: the order of the reasons by hand, soft opt-in, identifiers
blanked without consent, the lists, and a property test over random people."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cimlab.act.suppression import (
    REASONS,
    add_to_suppression_list,
    clear_suppression_list,
    read_contact_list,
    set_soft_opt_in,
    soft_opt_in,
    suppress,
    suppression_list,
)
from cimlab.errors import AudienceError
from cimlab.workspace import Workspace

SMS = {"phone": ("sms",)}


def people(**columns: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "customer_id": [f"c{i}" for i in range(len(next(iter(columns.values()))))]
    }
    return pl.DataFrame({**base, **columns}, strict=False)


def test_each_reason_by_hand_in_order() -> None:
    frame = pl.DataFrame(
        {
            "customer_id": ["ok", "refused", "listed", "none", "masked", "capped", "excluded", "all"],
            "phone": ["+8613800000001", "+8613800000002", "+8613800000003", None, None,
                      "+8613800000006", "+8613800000007", None],
            "masked_phone": [False, False, False, False, True, False, False, True],
            "consent_sms": [True, False, True, True, True, True, True, False],
        }
    )  # fmt: skip
    listed = pl.DataFrame({"kind": ["phone"], "value": ["+8613800000003"]})
    excluded = pl.DataFrame({"kind": ["customer_id"], "value": ["excluded"]})
    result = suppress(
        frame,
        identifiers=SMS,
        listed=listed,
        contacted=["capped", "all"],
        excluded=excluded,
    )
    assert result.kept["customer_id"].to_list() == ["ok"]
    reasons = dict(result.dropped.rows())
    assert reasons == {
        "refused": "no_consent",
        "listed": "suppression_list",
        "none": "no_contact",
        "masked": "masked_contact",
        "capped": "frequency_cap",
        "excluded": "excluded",
        "all": "no_consent",  # the first reason that applies counts, once
    }
    assert list(result.counts) == list(REASONS)
    assert result.counts == {
        "no_consent": 2,
        "suppression_list": 1,
        "no_contact": 1,
        "masked_contact": 1,
        "frequency_cap": 1,
        "excluded": 1,
        "same_household": 0,  # only when asked: one message per home
    }
    assert result.suppressed == 7
    assert result.rows("zh")["meaning"][0] == "未同意该渠道营销"


def test_missing_consent_is_no_unless_soft_opt_in_for_buyers() -> None:
    frame = people(
        phone=["+8613800000001"] * 4,
        consent_sms=[None, None, False, True],
        has_purchase=[True, False, True, False],
    )
    assert suppress(frame, identifiers=SMS).kept["customer_id"].to_list() == ["c3"]
    soft = suppress(frame, identifiers=SMS, soft=["sms"])
    # a buyer who never said anything counts as yes; a refusal stays a refusal
    assert soft.kept["customer_id"].to_list() == ["c0", "c3"]
    assert suppress(frame, identifiers=SMS, soft=["email"]).kept.height == 1


def test_identifiers_without_consent_are_blanked() -> None:
    frame = people(
        email=["a@x.com", "b@x.com", "c@x.com"],
        phone=["+8613800000001", "+8613800000002", "+8613800000003"],
        consent_email=[True, False, None],
        consent_sms=[False, True, None],
    )
    result = suppress(frame, identifiers={"email": ("email",), "phone": ("sms",)})
    kept = result.kept.sort("customer_id")
    assert kept.select("customer_id", "email", "phone").rows() == [
        ("c0", "a@x.com", None),
        ("c1", None, "+8613800000002"),
    ]
    assert result.counts["no_consent"] == 1


def test_list_matching_is_case_blind_for_emails_and_needs_identifiers() -> None:
    frame = people(email=["Ann@X.com"], consent_email=[True])
    listed = pl.DataFrame({"kind": ["email"], "value": ["ann@x.com"]})
    assert (
        suppress(frame, identifiers={"email": ("email",)}, listed=listed).counts["suppression_list"]
        == 1
    )
    with pytest.raises(AudienceError, match="at least one contact identifier"):
        suppress(frame, identifiers={})
    with pytest.raises(AudienceError, match="unknown consent purpose"):
        suppress(frame, identifiers={"email": ("fax",)})
    with pytest.raises(AudienceError, match="one row per customer"):
        suppress(pl.concat([frame, frame]), identifiers={"email": ("email",)})


def test_no_refused_or_masked_customer_is_ever_kept_whatever_the_data() -> None:
    """Property test over random people: whatever the mix, a kept row has consent for each
    identifier it still holds, never a masked-only contact, never a listed or capped id."""
    rng = np.random.default_rng(11)
    purposes = {"email": ("email",), "phone": ("sms", "phone"), "wechat_openid": ("wechat",)}
    for round_ in range(60):
        n = int(rng.integers(1, 80))

        def consent(size: int = n) -> list[object]:
            return rng.choice(np.array([True, False, None], dtype=object), size).tolist()

        frame = pl.DataFrame(
            {
                "customer_id": [f"p{i}" for i in range(n)],
                "email": rng.choice(np.array(["e@x.com", None], dtype=object), n).tolist(),
                "phone": rng.choice(np.array(["+8613800000000", None], dtype=object), n).tolist(),
                "wechat_openid": rng.choice(np.array(["oX1", None], dtype=object), n).tolist(),
                "masked_phone": rng.random(n) < 0.3,
                "has_purchase": rng.random(n) < 0.5,
                "consent_email": consent(),
                "consent_sms": consent(),
                "consent_phone": consent(),
                "consent_wechat": consent(),
            },
            strict=False,
        )
        soft = ["email"] if round_ % 2 else []
        capped = frame["customer_id"].sample(fraction=0.2, seed=round_).to_list()
        result = suppress(frame, identifiers=purposes, soft=soft, contacted=capped)
        assert result.kept.height + result.suppressed == n
        original = {row["customer_id"]: row for row in frame.iter_rows(named=True)}
        for row in result.kept.iter_rows(named=True):
            assert row["customer_id"] not in capped
            source = original[row["customer_id"]]
            if row["email"] is not None:
                assert source["consent_email"] is True or (
                    "email" in soft and source["consent_email"] is None and source["has_purchase"]
                )
            if row["phone"] is not None:
                assert source["consent_sms"] is True or source["consent_phone"] is True
            if row["wechat_openid"] is not None:
                assert source["consent_wechat"] is True
            assert any(row[c] is not None for c in purposes)  # something to contact them by


def test_contact_lists_from_csv() -> None:
    entries = read_contact_list(b"phone,email,customer_id\n138 0013 8000,ANN@x.com,00123\n,,\n")
    assert sorted(entries.rows()) == [
        ("customer_id", "00123"),
        ("email", "ann@x.com"),
        ("phone", "+8613800138000"),
    ]
    with pytest.raises(AudienceError, match="line 3, column phone") as error:
        read_contact_list(b"phone\n13800138000\n13912345678x\n")
    assert "13912345678" not in str(error.value)  # the value is masked in the message
    with pytest.raises(AudienceError, match="no customer_id, phone or email column"):
        read_contact_list(b"name\nAnn\n")


def test_the_workspace_list_and_soft_opt_in(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    assert suppression_list(ws).is_empty()
    entries = read_contact_list(b"phone\n13800138000\n13900139000\n")
    assert add_to_suppression_list(ws, entries, reason="asked", user="ann") == 2
    assert add_to_suppression_list(ws, entries) == 0  # already there
    listing = suppression_list(ws)
    assert listing.select("kind", "value", "reason", "added_by").rows()[0] == (
        "phone",
        "+8613800138000",
        "asked",
        "ann",
    )
    assert clear_suppression_list(ws) == 2 and suppression_list(ws).is_empty()
    assert soft_opt_in(ws) == ()
    assert set_soft_opt_in(ws, ["email", "email"]) == ("email",)
    assert soft_opt_in(ws) == ("email",)
    assert set_soft_opt_in(ws, []) == () and soft_opt_in(ws) == ()
    with pytest.raises(AudienceError, match="unknown consent purpose"):
        set_soft_opt_in(ws, ["fax"])
