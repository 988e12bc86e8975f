"""PII masking: scalar rules, their Polars twins, free-text redaction and masking by column."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.privacy import (
    PII_COLUMNS,
    mask_email,
    mask_email_expr,
    mask_name,
    mask_name_expr,
    mask_phone,
    mask_phone_expr,
    mask_value,
    redact_text,
)

PHONE_CASES: list[tuple[str | None, str | None]] = [
    ("+8613800138000", "138****8000"),
    ("13800138000", "138****8000"),
    ("138 0013 8000", "138****8000"),
    ("+86 138-0013-8000", "138****8000"),
    ("008613800138000", "138****8000"),
    ("8613800138000", "138****8000"),
    ("+442079460958", "+44 ****0958"),
    ("+44 20 7946 0958", "+44 ****0958"),
    ("0044 20 7946 0958", "+44 ****0958"),
    ("+14155552671", "+1 ****2671"),
    ("+13800138000", "+1 ****8000"),  # a +1 number, not a CN mobile
    ("+85221234567", "+852 ****4567"),
    ("+861012345678", "+86 ****5678"),  # CN landline
    ("+74951234567", "+7 ****4567"),
    ("010-12345678", "****5678"),
    ("132123457749-1234", "****1234"),
    ("138****1234", "138****1234"),
    ("138 **** 1234", "138****1234"),
    ("138＊＊＊＊1234", "138****1234"),
    ("12345", "****"),
    ("abc", "****"),
    ("", "****"),
    ("bob@example.com", "b***@example.com"),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), PHONE_CASES)
def test_mask_phone_table(value: str | None, expected: str | None) -> None:
    assert mask_phone(value) == expected


EMAIL_CASES: list[tuple[str | None, str | None]] = [
    ("alice@example.com", "a***@example.com"),
    (" Bob@Example.COM ", "B***@Example.COM"),
    ("x@y.cn", "x***@y.cn"),
    ("张三@qq.com", "张***@qq.com"),
    ("a@b@c.com", "a***@c.com"),
    ("@example.com", "***@example.com"),
    ("notanemail", "n***"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), EMAIL_CASES)
def test_mask_email_table(value: str | None, expected: str | None) -> None:
    assert mask_email(value) == expected


NAME_CASES: list[tuple[str | None, str | None]] = [
    ("张三丰", "张**"),
    ("张三", "张**"),
    ("李", "李**"),
    ("Alice Wong", "A**"),
    (" Bob ", "B**"),
    ("林**", "林**"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), NAME_CASES)
def test_mask_name_table(value: str | None, expected: str | None) -> None:
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    ("cases", "expr_rule", "column"),
    [
        (PHONE_CASES, mask_phone_expr, "phone"),
        (EMAIL_CASES, mask_email_expr, "email"),
        (NAME_CASES, mask_name_expr, "name"),
    ],
)
def test_polars_twins_agree_with_scalar_rules(
    cases: list[tuple[str | None, str | None]],
    expr_rule: Callable[[pl.Expr], pl.Expr],
    column: str,
) -> None:
    frame = pl.DataFrame({column: [value for value, _ in cases]}, schema={column: pl.String})
    expected = pl.DataFrame({column: [want for _, want in cases]}, schema={column: pl.String})
    assert_frame_equal(frame.select(expr_rule(pl.col(column))), expected)


def test_masked_output_never_contains_the_full_number() -> None:
    for value, _ in PHONE_CASES:
        masked = mask_phone(value)
        if value and masked and "@" not in value and "*" not in value:
            digits = "".join(ch for ch in value if ch.isdigit())
            assert len(digits) < 7 or digits not in masked.replace(" ", "")
            assert sum(ch.isdigit() for ch in masked) <= 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "line 12: cannot read phone '13800138000'",
            "line 12: cannot read phone '138****8000'",
        ),
        ("call +86 138 0013 8000 today", "call 138****8000 today"),
        ("call +8613800138000.", "call 138****8000."),
        ("0086-138-0013-8000", "138****8000"),
        ("uk: +44 20 7946 0958", "uk: +44 ****0958"),
        (
            "mail alice@example.com, bob.smith@corp.example.cn",
            "mail a***@example.com, b***@corp.example.cn",
        ),
        ("qq 13800138000@qq.com", "qq 1***@qq.com"),
        ("already 138****1234 masked", "already 138****1234 masked"),
        # not phones: order ids, timestamps, dates, amounts stay readable
        ("order 202401051380013800012345", "order 202401051380013800012345"),
        ("ts 1704441600000", "ts 1704441600000"),
        ("date 2024-01-05 08:26, amount ¥13800.50", "date 2024-01-05 08:26, amount ¥13800.50"),
        ("sku A13800138000", "sku A13800138000"),
        ("", ""),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_mask_value_by_column() -> None:
    assert {"phone", "email", "name", "customer_name"} == PII_COLUMNS
    assert mask_value("phone", "+8613800138000") == "138****8000"
    assert mask_value("email", "alice@example.com") == "a***@example.com"
    assert mask_value("name", "张三丰") == "张**"
    assert mask_value("customer_name", "Alice Wong") == "A**"
    assert mask_value("order_ts", "2024-13-45") == "2024-13-45"
    assert mask_value("note", "ring 13800138000 or a@b.com") == "ring 138****8000 or a***@b.com"
    assert mask_value("phone", None) is None


def test_twins_keep_column_names_and_handle_one_million_rows() -> None:
    n = 1_000_000
    frame = pl.select(
        phone=pl.concat_str(pl.lit("+86138"), pl.int_range(n).cast(pl.String).str.zfill(8)),
        email=pl.concat_str(pl.lit("user"), pl.int_range(n).cast(pl.String), pl.lit("@x.cn")),
    )
    out = frame.select(mask_phone_expr(pl.col("phone")), mask_email_expr(pl.col("email")))
    assert out.columns == ["phone", "email"]
    assert out.row(n - 1) == ("138****9999", "u***@x.cn")
