"""Tests of the demo-data generator: determinism, formats, truth, and the rows broken on purpose.

The bad-row test re-reads every file with the standard library (csv, json, openpyxl) and finds
every broken cell by its own rules, independent of the generator; the manifest must list
exactly those.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from cimlab.demo import (
    BAD_ROW_KINDS,
    SALES_CHANNELS,
    Manifest,
    demo_paths,
    generate_demo_files,
    read_manifest,
)

AS_OF = date(2026, 6, 30)
DATA_FILES = {
    "online_shop_customers.csv",
    "wechat_members.xlsx",
    "store_members.csv",
    "call_centre_contacts.csv",
    "tmall_members.csv",
    "online_shop_orders.csv",
    "tmall_orders.csv",
    "wechat_orders.ndjson",
    "store_sales.csv",
    "call_centre_interactions.csv",
    "feedback_survey.json",
    "online_shop_survey.csv",
    "wechat_survey.csv",
    "store_survey.csv",
}
HEADERS = {
    "online_shop_customers.csv": "customer_id,full_name,email,phone,gender,birth_date,city,"
    "province,country,signup_date,customer_type,company,email_opt_in,sms_opt_in,tags",
    "online_shop_orders.csv": "order_id,line,customer_id,order_date,sku,product,category,"
    "quantity,unit_price,line_total,currency,status",
    "tmall_orders.csv": "订单编号,买家会员名,买家实付金额,订单状态,收货人姓名,联系手机,买家下单时间,"
    "买家付款时间,宝贝标题,宝贝总数量,商家编码,省,市",
    "wechat_members.xlsx": "客户ID,客户姓名,手机号,性别,生日,成为客户时间,省份,城市,标签,邮箱,"
    "是否接收短信,是否接收微信消息",
    "wechat_orders.ndjson": "order_id,line,member_id,paid_at,sku,product,quantity,amount,currency,status",
    "store_members.csv": "会员卡号,姓名,手机,性别,生日,城市,省份,注册时间,门店,邮件营销,短信营销",
    "store_sales.csv": "订单号,行号,会员卡号,下单时间,门店,商品编码,商品名称,品类,数量,单价,金额,币种,订单状态",
    "call_centre_interactions.csv": "interaction_id,customer_id,timestamp,type,note",
    "call_centre_contacts.csv": "customer_id,full_name,phone,created_at",
    "tmall_members.csv": "会员昵称,手机号,入会时间,会员等级,性别,生日,省份,城市",
    "feedback_survey.json": "feedback_id,customer_id,submitted_at,nps,csat,complaint,comment",
    "online_shop_survey.csv": "response_id,customer_id,order_id,submitted_at,nps,csat,complaint,"
    "comment",
    "wechat_survey.csv": "问卷编号,会员ID,提交时间,推荐值,满意度,是否投诉,留言",
    "store_survey.csv": "反馈编号,会员卡号,门店,评价时间,推荐意愿,满意度评分,投诉,评价内容",
}
# (table, channel, mapping, encoding) as the team brief fixes them
EXPECTED_ENTRIES = {
    "online_shop_customers.csv": ("customers", "online_shop", "generic_en", "utf-8"),
    "wechat_members.xlsx": ("customers", "wechat", "wechat_members", None),
    "store_members.csv": ("customers", "offline_store", "generic_zh", "gb18030"),
    "online_shop_orders.csv": ("orders", "online_shop", "generic_en", "utf-8"),
    "tmall_orders.csv": ("orders", "tmall", "taobao_orders", "gbk"),
    "wechat_orders.ndjson": ("orders", "wechat", "generic_en", "utf-8"),
    "store_sales.csv": ("orders", "offline_store", "generic_zh", "utf-8-sig"),
    "call_centre_interactions.csv": ("interactions", "call_centre", "generic_en", "utf-8"),
    "call_centre_contacts.csv": ("customers", "call_centre", "generic_en", "utf-8"),
    "tmall_members.csv": ("customers", "tmall", "tmall_members", "gbk"),
    "feedback_survey.json": ("feedback", "call_centre", "generic_en", "utf-8"),
    "online_shop_survey.csv": ("feedback", "online_shop", "generic_en", "utf-8"),
    "wechat_survey.csv": ("feedback", "wechat", "generic_zh", "utf-8-sig"),
    "store_survey.csv": ("feedback", "offline_store", "generic_zh", "gbk"),
}
# file -> column holding the channel's customer id
CUSTOMER_ID_COLUMN = {
    "online_shop_customers.csv": "customer_id",
    "wechat_members.xlsx": "客户ID",
    "store_members.csv": "会员卡号",
    "online_shop_orders.csv": "customer_id",
    "tmall_orders.csv": "买家会员名",
    "wechat_orders.ndjson": "member_id",
    "store_sales.csv": "会员卡号",
    "call_centre_interactions.csv": "customer_id",
    "feedback_survey.json": "customer_id",
    "call_centre_contacts.csv": "customer_id",
    "tmall_members.csv": "会员昵称",
    "online_shop_survey.csv": "customer_id",
    "wechat_survey.csv": "会员ID",
    "store_survey.csv": "会员卡号",
}


def sha256_tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo_files(out)


# ---------------------------------------------------------------------------------------------
# Reading the files back with the standard library
# ---------------------------------------------------------------------------------------------


@dataclass
class Record:
    line: int
    values: dict[str, Any]  # empty when the field count is wrong
    fields: int


def read_records(folder: Path, path: str) -> tuple[list[str], list[Record]]:
    """Header and records of a demo file, each with its 1-based physical line."""
    raw = (folder / path).read_bytes()
    if path.endswith(".xlsx"):
        wb = openpyxl.load_workbook(io.BytesIO(raw))
        ws = wb["会员"]
        rows = list(ws.iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        records = [
            Record(
                n, {h: ("" if v is None else v) for h, v in zip(header, row, strict=True)}, len(row)
            )
            for n, row in enumerate(rows[1:], start=2)
        ]
        return header, records
    if path.endswith(".ndjson"):
        objs = [(n, json.loads(t)) for n, t in enumerate(raw.decode("utf-8").splitlines(), 1)]
        return list(objs[0][1]), [Record(n, o, len(o)) for n, o in objs]
    if path.endswith(".json"):
        text = raw.decode("utf-8")
        whole = json.loads(text)
        lines = text.splitlines()
        assert lines[0] == "[" and lines[-1] == "]"
        objs = [(n, json.loads(t.rstrip(","))) for n, t in enumerate(lines, 1) if t.startswith("{")]
        assert [o for _, o in objs] == whole
        return list(objs[0][1]), [Record(n, o, len(o)) for n, o in objs]
    encoding = {
        "tmall_orders.csv": "gbk",
        "tmall_members.csv": "gbk",
        "store_members.csv": "gb18030",
        "store_survey.csv": "gbk",
    }.get(path, "utf-8")
    text = raw.decode(encoding).removeprefix("\ufeff")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=";" if path == "store_sales.csv" else ","
    )
    header = next(reader)
    records = []
    for row in reader:
        values = dict(zip(header, row, strict=True)) if len(row) == len(header) else {}
        records.append(Record(reader.line_num, values, len(row)))
    return header, records


# ---------------------------------------------------------------------------------------------
# Independent rules for what a broken cell looks like
# ---------------------------------------------------------------------------------------------

PHONE_OK = re.compile(r"^(\+86 ?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}$|^1[3-9]\d\*{4}\d{4}$")
LANDLINE = re.compile(r"^0\d{2,3}-[2-9]\d{7}$")  # an office line with its area code
EMAIL_OK = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
AMOUNT_OK = re.compile(r"^-?￥?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")
ISO_DT = r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})"
ISO_D = r"(\d{4})-(\d{2})-(\d{2})"
SLASH_DT = r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{2}):(\d{2})"
ZH_DT = r"(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})"
ZH_D = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
EN_STATUS = frozenset({"paid", "refunded", "cancelled", "pending"})
TMALL_STATUS = frozenset(
    {"交易成功", "交易关闭", "卖家已发货", "等待买家确认收货", "买家已付款", "等待卖家发货"}
)


@dataclass
class Rules:
    ids: tuple[str, ...] = ()
    dates: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> accepted patterns
    required_dates: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    status: str | None = None
    statuses: frozenset[str] = frozenset()
    paid: frozenset[str] = frozenset()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    scores: dict[str, tuple[int, int]] = field(default_factory=dict)
    landlines: bool = False  # phones may be office landlines


RULES = {
    "online_shop_customers.csv": Rules(
        ids=("customer_id",),
        dates={"birth_date": (ISO_D,), "signup_date": (ISO_D,)},
        phones=("phone",),
        emails=("email",),
    ),
    "wechat_members.xlsx": Rules(
        ids=("客户ID",), dates={"生日": (ZH_D, ISO_D)}, phones=("手机号",), emails=("邮箱",)
    ),
    "store_members.csv": Rules(
        ids=("会员卡号",),
        dates={
            "生日": (r"(\d{4})/(\d{1,2})/(\d{1,2})",),
            "注册时间": (ISO_D + r" (\d{2}):(\d{2})",),
        },
        phones=("手机",),
    ),
    "online_shop_orders.csv": Rules(
        ids=("order_id",),
        dates={"order_date": (ISO_DT,)},
        required_dates=("order_date",),
        amounts=("line_total",),
        status="status",
        statuses=EN_STATUS,
        paid=frozenset({"paid"}),
    ),
    "tmall_orders.csv": Rules(
        ids=("订单编号",),
        dates={"买家下单时间": (SLASH_DT,), "买家付款时间": (SLASH_DT,)},
        required_dates=("买家下单时间",),
        amounts=("买家实付金额",),
        status="订单状态",
        statuses=TMALL_STATUS,
        paid=TMALL_STATUS - {"交易关闭"},
        phones=("联系手机",),
    ),
    "wechat_orders.ndjson": Rules(
        ids=("order_id",),
        dates={"paid_at": (ISO_DT,)},
        required_dates=("paid_at",),
        amounts=("amount",),
        status="status",
        statuses=EN_STATUS,
        paid=frozenset({"paid"}),
    ),
    "store_sales.csv": Rules(
        ids=("订单号",),
        dates={"下单时间": (ZH_DT,)},
        required_dates=("下单时间",),
        amounts=("金额",),
        status="订单状态",
        statuses=frozenset({"已完成", "已退款", "已取消"}),
        paid=frozenset({"已完成"}),
    ),
    "call_centre_interactions.csv": Rules(
        ids=("customer_id",),
        dates={"timestamp": (r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})",)},
        required_dates=("timestamp",),
    ),
    "call_centre_contacts.csv": Rules(
        ids=("customer_id",), dates={"created_at": (ISO_D,)}, phones=("phone",), landlines=True
    ),
    "tmall_members.csv": Rules(
        ids=("会员昵称",), dates={"入会时间": (ISO_DT,), "生日": (ISO_D,)}, phones=("手机号",)
    ),
    "feedback_survey.json": Rules(
        ids=("customer_id",),
        dates={"submitted_at": (r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\+08:00",)},
        required_dates=("submitted_at",),
        scores={"nps": (0, 10), "csat": (1, 5)},
    ),
    "online_shop_survey.csv": Rules(
        ids=("customer_id",),
        dates={"submitted_at": (ISO_DT,)},
        required_dates=("submitted_at",),
        scores={"nps": (0, 10), "csat": (1, 5)},
    ),
    "wechat_survey.csv": Rules(
        ids=("会员ID",),
        dates={"提交时间": (ISO_DT,)},
        required_dates=("提交时间",),
        scores={"推荐值": (0, 10), "满意度": (1, 5)},
    ),
    "store_survey.csv": Rules(
        ids=("会员卡号",),
        dates={"评价时间": (SLASH_DT,)},
        required_dates=("评价时间",),
        scores={"推荐意愿": (0, 10), "满意度评分": (1, 5)},
    ),
}
# survey file -> (nps, csat, complaint, time) columns
SURVEYS = {
    "feedback_survey.json": ("nps", "csat", "complaint", "submitted_at"),
    "online_shop_survey.csv": ("nps", "csat", "complaint", "submitted_at"),
    "wechat_survey.csv": ("推荐值", "满意度", "是否投诉", "提交时间"),
    "store_survey.csv": ("推荐意愿", "满意度评分", "投诉", "评价时间"),
}


def date_problem(value: str, patterns: tuple[str, ...]) -> bool:
    """True for a well-formed but impossible date; fails the test on an unexpected format."""
    for pattern in patterns:
        m = re.fullmatch(pattern, value)
        if m:
            parts = [int(g) for g in m.groups()]
            try:
                datetime(*parts)  # type: ignore[arg-type]
            except ValueError:
                return True
            return False
    raise AssertionError(f"unexpected date format {value!r}")


def problems(rules: Rules, values: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for c in rules.ids:
        if values[c] in ("", None):
            found.append((c, "empty_id"))
    for c, patterns in rules.dates.items():
        v = values[c]
        if v in ("", None):
            assert c not in rules.required_dates, f"{c} is required"
        elif isinstance(v, str) and date_problem(v, patterns):
            found.append((c, "impossible_date"))
    status = values[rules.status] if rules.status else None
    if rules.status and status not in rules.statuses:
        found.append((rules.status, "unknown_status"))
    for c in rules.amounts:
        v = values[c]
        if v == "N/A":
            found.append((c, "missing_amount"))
        elif isinstance(v, str) and not AMOUNT_OK.match(v):
            found.append((c, "unreadable_amount"))
        else:
            number = (
                v if isinstance(v, float | int) else float(v.replace("￥", "").replace(",", ""))
            )
            if number < 0 and status in rules.paid:
                found.append((c, "negative_amount"))
    for c in rules.phones:
        landline = rules.landlines and LANDLINE.match(values[c] or "")
        if values[c] and not (PHONE_OK.match(values[c]) or landline):
            found.append((c, "garbage_phone"))
    for c in rules.emails:
        if values[c] and not EMAIL_OK.match(values[c]):
            found.append((c, "malformed_email"))
    for i, (c, (lo, hi)) in enumerate(rules.scores.items()):
        v = values[c]
        if isinstance(v, str):  # CSV: a whole number or empty
            assert v == "" or re.fullmatch(r"\d+", v), (c, v)
            v = int(v) if v else None
        if v is not None and not lo <= v <= hi:
            found.append((c, ("nps", "csat")[i] + "_out_of_range"))
    return found


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes(demo: tuple[Path, Manifest], tmp_path: Path) -> None:
    folder, manifest = demo
    again = generate_demo_files(tmp_path / "again")
    assert again == manifest
    first, second = sha256_tree(folder), sha256_tree(tmp_path / "again")
    assert len(first) == len(DATA_FILES) + 3  # + manifest.yaml and two truth files
    assert first == second


def test_another_seed_changes_every_file(tmp_path: Path) -> None:
    generate_demo_files(tmp_path / "a", people=300, seed=1)
    generate_demo_files(tmp_path / "b", people=300, seed=2)
    a, b = sha256_tree(tmp_path / "a"), sha256_tree(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[name] != b[name] for name in a)


def test_bytes_do_not_depend_on_the_process(tmp_path: Path) -> None:
    """Python randomises str hashing per process: set order must never reach the files."""
    generate_demo_files(tmp_path / "here", people=300, seed=3)
    code = (
        "import sys; from pathlib import Path; from cimlab.demo import generate_demo_files; "
        "generate_demo_files(Path(sys.argv[1]), people=300, seed=3)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert sha256_tree(tmp_path / "here") == sha256_tree(tmp_path / "there")


# ---------------------------------------------------------------------------------------------
# Manifest and formats
# ---------------------------------------------------------------------------------------------


def test_manifest_lists_every_file_in_import_order(demo: tuple[Path, Manifest]) -> None:
    folder, manifest = demo
    on_disk = {p.name for p in folder.iterdir() if p.is_file()} - {"manifest.yaml"}
    assert on_disk == DATA_FILES
    assert [f.path for f in manifest.files if f.path in DATA_FILES] == [
        f.path for f in manifest.files
    ]
    assert {f.path for f in manifest.files} == DATA_FILES
    order = ["customers", "orders", "interactions", "feedback"]
    tables = [order.index(f.table) for f in manifest.files]
    assert tables == sorted(tables)
    for f in manifest.files:
        assert (f.table, f.channel, f.mapping, f.encoding) == EXPECTED_ENTRIES[f.path]
        assert f.sha256 == hashlib.sha256((folder / f.path).read_bytes()).hexdigest()
        assert f.rows == len(read_records(folder, f.path)[1])
    assert read_manifest(folder / "manifest.yaml") == manifest
    raw = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    assert raw["seed"] == 7 and raw["people"] == 5000 and raw["as_of"] == "2026-06-30"
    assert set(raw["files"][0]["expected_bad_rows"][0]) >= {"line", "column", "kind"}
    assert manifest.file("store_sales.csv").delimiter == ";"
    assert manifest.file("wechat_members.xlsx").sheet == "会员"


@pytest.mark.parametrize("path", sorted(DATA_FILES))
def test_headers_are_exactly_the_preset_headers(demo: tuple[Path, Manifest], path: str) -> None:
    header, _ = read_records(demo[0], path)
    assert header == HEADERS[path].split(",")


def test_encodings_bom_and_delimiter(demo: tuple[Path, Manifest]) -> None:
    folder = demo[0]
    tmall = (folder / "tmall_orders.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        tmall.decode("utf-8")
    assert "交易成功" in tmall.decode("gbk")
    members = (folder / "store_members.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        members.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):  # names outside GBK: the file really needs GB18030
        members.decode("gbk")
    assert "会员卡号" in members.decode("gb18030")
    sales = (folder / "store_sales.csv").read_bytes()
    assert sales.startswith(b"\xef\xbb\xbf")
    first = sales[3:].decode("utf-8").splitlines()[0]
    assert first.count(";") == 12 and "," not in first
    for name in (
        "online_shop_customers.csv",
        "online_shop_orders.csv",
        "call_centre_interactions.csv",
    ):
        data = (folder / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_xlsx_has_a_hidden_notes_sheet_and_real_datetimes(demo: tuple[Path, Manifest]) -> None:
    wb = openpyxl.load_workbook(demo[0] / "wechat_members.xlsx")
    assert wb.sheetnames == ["会员", "说明"]
    assert wb["会员"].sheet_state == "visible"
    assert wb["说明"].sheet_state == "hidden"
    assert wb["说明"].max_row >= 2
    _, records = read_records(demo[0], "wechat_members.xlsx")
    assert all(isinstance(r.values["成为客户时间"], datetime) for r in records)
    with zipfile.ZipFile(demo[0] / "wechat_members.xlsx") as archive:  # no clock in the bytes
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert core.count("2026-06-30T00:00:00Z") == 2
    assert all(isinstance(r.values["客户ID"], str) for r in records)


def test_ids_stay_strings(demo: tuple[Path, Manifest]) -> None:
    folder = demo[0]
    _, tmall = read_records(folder, "tmall_orders.csv")
    ids = [r.values["订单编号"] for r in tmall if r.values and r.values["订单编号"]]
    assert all(i.isdigit() and len(i) in (18, 19) for i in ids)
    assert Counter(len(i) for i in ids)[19] > len(ids) // 2
    assert len(set(ids)) == len(ids)
    assert any(int(float(i)) != int(i) for i in ids)  # a float would not survive
    _, shop = read_records(folder, "online_shop_customers.csv")
    shop_ids = [r.values["customer_id"] for r in shop if r.values]
    assert all(len(i) == 7 and i.startswith("00") for i in shop_ids if i)
    _, cards = read_records(folder, "store_members.csv")
    assert all(
        r.values["会员卡号"].startswith("08") for r in cards if r.values and r.values["会员卡号"]
    )
    _, wechat = read_records(folder, "wechat_orders.ndjson")
    assert all(isinstance(r.values["order_id"], str) for r in wechat)
    assert all(isinstance(r.values["member_id"], str) for r in wechat)


# ---------------------------------------------------------------------------------------------
# Truth and people
# ---------------------------------------------------------------------------------------------


def read_truth(folder: Path) -> list[dict[str, str]]:
    with (folder / "_truth" / "identities.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_truth_covers_every_source_id(demo: tuple[Path, Manifest]) -> None:
    folder, manifest = demo
    truth = read_truth(folder)
    known = defaultdict(set)
    for t in truth:
        known[(t["channel"], t["table"])].add(t["source_customer_id"])
    for f in manifest.files:
        column = CUSTOMER_ID_COLUMN[f.path]
        _, records = read_records(folder, f.path)
        ids = {r.values[column] for r in records if r.values and r.values[column]}
        assert ids, f.path
        assert ids <= known[(f.channel, f.table)], f.path


def test_each_id_is_one_person_and_ids_differ_across_channels(demo: tuple[Path, Manifest]) -> None:
    truth = read_truth(demo[0])
    owner: dict[tuple[str, str], str] = {}
    for t in truth:
        key = (t["channel"], t["source_customer_id"])
        assert owner.setdefault(key, t["person_id"]) == t["person_id"]
    ids_of = defaultdict(set)
    for t in truth:
        if t["channel"] in SALES_CHANNELS:
            ids_of[t["person_id"]].add((t["channel"], t["source_customer_id"]))
    for pairs in ids_of.values():
        assert len({sid for _, sid in pairs}) == len({ch for ch, _ in pairs})


def test_cross_channel_overlap(demo: tuple[Path, Manifest]) -> None:
    truth = read_truth(demo[0])
    channels = defaultdict(set)
    for t in truth:
        if t["channel"] in SALES_CHANNELS:
            channels[t["person_id"]].add(t["channel"])
    assert len(channels) == 5000  # everybody shows up in at least one sales channel
    assert max(len(c) for c in channels.values()) <= 4
    multi = sum(len(c) > 1 for c in channels.values()) / len(channels)
    assert 0.30 <= multi <= 0.40
    # the call centre reuses the online-shop id when there is one
    shop = {
        (t["person_id"], t["source_customer_id"]) for t in truth if t["channel"] == "online_shop"
    }
    service = [t for t in truth if t["channel"] == "call_centre"]
    assert service
    for t in service:
        sid = t["source_customer_id"]
        assert (t["person_id"], sid) in shop or re.fullmatch(r"CC\d{8}", sid)


def test_people_look_like_the_brief(demo: tuple[Path, Manifest]) -> None:
    with (demo[0] / "_truth" / "people.csv").open(encoding="utf-8", newline="") as fh:
        people = list(csv.DictReader(fh))
    n = len(people)
    assert n == 5000
    assert len({p["phone"] for p in people}) == n
    assert all(re.fullmatch(r"\+861[3-9]\d{9}", p["phone"]) for p in people)
    assert 0.55 <= sum(bool(p["email"]) for p in people) / n <= 0.65
    assert 0.12 <= sum(p["english_name"] == "true" for p in people) / n <= 0.18
    business = [p for p in people if p["customer_type"] == "business"]
    assert 0.02 <= len(business) / n <= 0.04 and all(p["company"] for p in business)
    assert 0.1 <= sum(p["consent_sms"] == "false" for p in people) / n <= 0.6
    assert all(
        date(1950, 1, 1) < date.fromisoformat(p["birth_date"]) < date(2009, 1, 1) for p in people
    )
    office = [p["office_phone"] for p in people if p["office_phone"]]
    assert office and all(re.fullmatch(r"\+86(10|[2-9]\d\d?)[2-9]\d{7}", o) for o in office)
    assert len(set(office)) == len(office)  # an office line nobody else uses


def test_orders_volumes_statuses_and_window(demo: tuple[Path, Manifest]) -> None:
    folder, manifest = demo
    lines = sum(f.rows for f in manifest.files if f.table == "orders")
    assert 40_000 <= lines <= 80_000
    _, shop = read_records(folder, "online_shop_orders.csv")
    orders = {r.values["order_id"]: r.values for r in shop if r.values and r.values["order_id"]}
    share = Counter(o["status"] for o in orders.values())
    total = sum(share.values())
    assert 0.035 <= share["refunded"] / total <= 0.065
    assert 0.02 <= share["cancelled"] / total <= 0.04
    assert 0.003 <= share["pending"] / total <= 0.02
    refunded = [o for o in orders.values() if o["status"] == "refunded"]
    assert all(float(o["line_total"]) > 0 for o in refunded if AMOUNT_OK.match(o["line_total"]))
    skus = {r.values["sku"] for r in shop if r.values}
    assert 100 <= len(skus) <= 130
    start = datetime(2024, 6, 30)
    for r in shop:
        if r.values and not date_problem(r.values["order_date"], (ISO_DT,)):
            assert start <= datetime.fromisoformat(r.values["order_date"]) < datetime(2026, 6, 30)
    prices = [float(r.values["unit_price"]) for r in shop if r.values]
    assert min(prices) >= 9.9 and max(prices) <= 2999


def test_tmall_masks_about_half_the_rows(demo: tuple[Path, Manifest]) -> None:
    _, rows = read_records(demo[0], "tmall_orders.csv")
    rows = [r for r in rows if r.values]
    masked_phone = [r for r in rows if "****" in r.values["联系手机"]]
    assert 0.4 <= len(masked_phone) / len(rows) <= 0.6
    assert all(re.fullmatch(r"1[3-9]\d\*{4}\d{4}", r.values["联系手机"]) for r in masked_phone)
    assert all(r.values["收货人姓名"].endswith("**") for r in masked_phone)
    amounts = [r.values["买家实付金额"] for r in rows]
    assert any(a.startswith("￥") and "," in a for a in amounts)
    assert any(re.fullmatch(r"\d+(\.\d)?", a) for a in amounts)
    assert {r.values["订单状态"] for r in rows} >= TMALL_STATUS
    masked_by_buyer = defaultdict(set)
    for r in rows:
        masked_by_buyer[r.values["买家会员名"]].add("****" in r.values["联系手机"])
    repeat = [m for m in masked_by_buyer.values() if m]
    assert sum(m == {True, False} for m in repeat) > len(repeat) // 5  # masking is per order
    closed_unpaid = [
        r for r in rows if r.values["订单状态"] == "交易关闭" and not r.values["买家付款时间"]
    ]
    assert closed_unpaid
    assert all(r.values["买家实付金额"] in ("0", "￥0.00", "N/A", "abc") for r in closed_unpaid)


def test_every_online_shop_customer_has_a_mobile(demo: tuple[Path, Manifest]) -> None:
    _, rows = read_records(demo[0], "online_shop_customers.csv")
    phones = [r.values["phone"] for r in rows if r.values]
    assert phones and all(phones)
    emails = [r.values["email"] for r in rows if r.values]
    assert 0.7 <= sum(map(bool, emails)) / len(emails) <= 0.95  # e-mail stays optional


def test_every_wechat_member_has_a_phone(demo: tuple[Path, Manifest]) -> None:
    """A mini-program member card needs phone authorisation (手机号授权)."""
    _, rows = read_records(demo[0], "wechat_members.xlsx")
    assert all(str(r.values["手机号"]) for r in rows)


def test_tmall_members_link_most_buyers_to_their_phone(demo: tuple[Path, Manifest]) -> None:
    folder = demo[0]
    raw = (folder / "tmall_members.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    truth = read_truth(folder)
    owner = {
        (t["table"], t["source_customer_id"]): t["person_id"]
        for t in truth
        if t["channel"] == "tmall"
    }
    with (folder / "_truth" / "people.csv").open(encoding="utf-8", newline="") as fh:
        people = {p["person_id"]: p for p in csv.DictReader(fh)}
    _, orders = read_records(folder, "tmall_orders.csv")
    order_count = Counter(r.values["买家会员名"] for r in orders if r.values)
    unreadable = sum(not r.values or not r.values["买家会员名"] for r in orders)  # broken rows

    def level(n: int) -> str:
        return "普通会员" if n < 2 else "银卡会员" if n < 4 else "金卡会员" if n < 8 else "钻石会员"

    buyers = {nick for (table, nick) in owner if table == "orders"}
    _, rows = read_records(folder, "tmall_members.csv")
    members = [r.values for r in rows]
    nicks = [m["会员昵称"] for m in members]
    assert len(set(nicks)) == len(nicks)
    assert 0.80 <= len(set(nicks) & buyers) / len(buyers) <= 0.90
    never_bought = set(nicks) - buyers
    assert 0 < len(never_bought) <= 0.06 * len(nicks)
    stamps = [m["入会时间"] for m in members]
    assert stamps == sorted(stamps)  # the export lists members in joining order
    for m in members:
        person = owner[("customers", m["会员昵称"])]
        if m["会员昵称"] in buyers:
            assert owner[("orders", m["会员昵称"])] == person  # the same nickname, one person
        assert "+86" + m["手机号"] == people[person]["phone"]  # in full, never masked
        n = order_count[m["会员昵称"]]  # the level follows the number of orders
        assert m["会员等级"] in {level(n + k) for k in range(unreadable + 1)}
        assert m["性别"] in ("男", "女", "未知")
    # members who never bought on Tmall: people of other channels
    for nick in never_bought:
        person = people[owner[("customers", nick)]]
        assert person["sales_channels"] and "tmall" not in person["sales_channels"].split(";")
        assert next(m for m in members if m["会员昵称"] == nick)["会员等级"] == "普通会员"


def _e164(phone: str) -> str:
    """Test-side normalisation of the demo's phone spellings."""
    if LANDLINE.match(phone):
        return "+86" + phone.replace("-", "")[1:]
    return "+86" + re.sub(r"\D", "", phone)[-11:]


def test_call_centre_contacts_list_each_id_with_the_callers_phone(
    demo: tuple[Path, Manifest],
) -> None:
    folder, manifest = demo
    truth = read_truth(folder)
    with (folder / "_truth" / "people.csv").open(encoding="utf-8", newline="") as fh:
        people = {p["person_id"]: p for p in csv.DictReader(fh)}
    owner = {
        t["source_customer_id"]: t["person_id"] for t in truth if t["channel"] == "call_centre"
    }
    used = {
        t["source_customer_id"]
        for t in truth
        if t["channel"] == "call_centre" and t["table"] in ("interactions", "feedback")
    }
    _, rows = read_records(folder, "call_centre_contacts.csv")
    broken = {b.line for b in manifest.file("call_centre_contacts.csv").expected_bad_rows}
    assert len(rows) == len(used)
    ids = [r.values["customer_id"] for r in rows if r.values]
    assert len(set(ids)) == len(ids)
    assert {i for i in ids if i} <= used
    assert len({i for i in ids if i}) >= len(used) - len(broken)
    # first contact: the earliest interaction or survey answer of that id
    first: dict[str, str] = {}
    for path, column, stamp in (
        ("call_centre_interactions.csv", "customer_id", "timestamp"),
        ("feedback_survey.json", "customer_id", "submitted_at"),
    ):
        for r in read_records(folder, path)[1]:
            if r.values and r.values[column]:
                day = r.values[stamp][:10]
                if re.fullmatch(ISO_D, day) and not date_problem(day, (ISO_D,)):
                    first[r.values[column]] = min(first.get(r.values[column], day), day)
    office = exact = 0
    for r in rows:
        if not r.values or r.line in broken:
            continue
        person = people[owner[r.values["customer_id"]]]
        assert r.values["full_name"] == person["name"]
        seen = first.get(r.values["customer_id"])  # None: its only contact row is broken
        assert seen is None or r.values["created_at"] <= seen
        exact += r.values["created_at"] == seen
        phone = _e164(r.values["phone"])
        if LANDLINE.match(r.values["phone"]):
            office += 1
            assert phone == person["office_phone"]
        else:
            assert phone == person["phone"]
    checked = len(rows) - len(broken)
    assert exact >= 0.98 * checked
    assert 0.02 <= office / checked <= 0.07
    mobiles = {p["phone"] for p in people.values()}
    assert not mobiles & {p["office_phone"] for p in people.values()}


def _answers(folder: Path, path: str) -> list[dict[str, Any]]:
    """Survey answers of ``path`` as {nps, csat, complaint, day, id, order} (broken rows skipped)."""
    nps_c, csat_c, complaint_c, when_c = SURVEYS[path]
    pattern = RULES[path].dates[when_c]
    out = []
    for r in read_records(folder, path)[1]:
        v = r.values
        if not v or not v[CUSTOMER_ID_COLUMN[path]] or date_problem(str(v[when_c]), pattern):
            continue
        nps, csat = v[nps_c], v[csat_c]
        nps = int(nps) if nps not in (None, "") else None
        csat = int(csat) if csat not in (None, "") else None
        if (nps is not None and nps > 10) or (csat is not None and csat < 1):
            continue
        m = re.match(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})", str(v[when_c]))
        assert m, v[when_c]
        out.append(
            {
                "nps": nps,
                "csat": csat,
                "complaint": v[complaint_c] in (True, "true", "是"),
                "day": date(*map(int, m.groups())),
                "id": v[CUSTOMER_ID_COLUMN[path]],
                "order": v.get("order_id"),
            }
        )
    return out


def nps_of(answers: list[dict[str, Any]]) -> float:
    scores = [a["nps"] for a in answers if a["nps"] is not None]
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def test_feedback_comes_from_four_channels_and_scores_agree(demo: tuple[Path, Manifest]) -> None:
    folder, manifest = demo
    channels = {manifest.file(path).channel for path in SURVEYS}
    assert channels == {"call_centre", "online_shop", "wechat", "offline_store"}
    everything = []
    by_file = {}
    for path in SURVEYS:
        answers = _answers(folder, path)
        assert len(answers) >= 400, path
        by_file[path] = nps_of(answers)
        everything += answers
    scored = [a for a in everything if a["nps"] is not None]
    promoters = sum(a["nps"] >= 9 for a in scored) / len(scored)
    detractors = sum(a["nps"] <= 6 for a in scored) / len(scored)
    assert 0.40 <= promoters <= 0.60 and 0.12 <= detractors <= 0.30
    assert 0.03 <= sum(a["nps"] is None for a in everything) / len(everything) <= 0.08
    # CSAT follows NPS; promoters never complain
    mean = {
        g: sum(a["csat"] for a in grp) / len(grp)
        for g, grp in (
            ("promoter", [a for a in scored if a["nps"] >= 9]),
            ("passive", [a for a in scored if 7 <= a["nps"] <= 8]),
            ("detractor", [a for a in scored if a["nps"] <= 6]),
        )
    }
    assert mean["promoter"] > 4.5 > mean["passive"] > 3.5 > mean["detractor"]
    assert not [a for a in scored if a["complaint"] and a["nps"] >= 9]
    complaints = sum(a["complaint"] for a in everything) / len(everything)
    assert 0.03 <= complaints <= 0.12
    # the stores please most, callers (often with a problem) least
    assert by_file["store_survey.csv"] > by_file["online_shop_survey.csv"] + 5
    assert by_file["online_shop_survey.csv"] > by_file["feedback_survey.json"] + 20
    assert any(re.search(r"[\u4e00-\u9fff]", str(r["comment"] or "")) for r in
               [x.values for x in read_records(folder, "feedback_survey.json")[1]])  # fmt: skip


def _people(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "_truth" / "people.csv").open(encoding="utf-8", newline="") as fh:
        return {p["person_id"]: p for p in csv.DictReader(fh)}


def test_feedback_follows_the_experience(demo: tuple[Path, Manifest]) -> None:
    folder, _ = demo
    truth = read_truth(folder)
    people = _people(folder)
    owner = {(t["channel"], t["source_customer_id"]): t["person_id"] for t in truth}
    status = {
        r.values["order_id"]: r.values["status"]
        for r in read_records(folder, "online_shop_orders.csv")[1]
        if r.values
    }
    online = [a for a in _answers(folder, "online_shop_survey.csv") if a["nps"] is not None]
    online = [a for a in online if a["order"] in status]  # (not those of a broken order row)
    assert {status[a["order"]] for a in online} == {"paid", "refunded"}  # asked after an order
    refunded = [a for a in online if status[a["order"]] == "refunded"]
    paid = [a for a in online if status[a["order"]] == "paid"]

    def share(answers: list[dict[str, Any]]) -> float:
        return sum(a["nps"] <= 6 for a in answers) / len(answers)

    assert len(refunded) >= 20 and share(refunded) > 2 * share(paid)
    # loyal buyers promote, the ones who left did not like it much
    everything = []
    for path in SURVEYS:
        channel = {"feedback_survey.json": "call_centre"}.get(path) or EXPECTED_ENTRIES[path][1]
        for a in _answers(folder, path):
            everything.append({**a, "who": people[owner[(channel, a["id"])]]["behaviour"]})
    kinds = {k: [a for a in everything if a["who"] == k] for k in ("loyal", "lapsed", "one_time")}
    assert nps_of(kinds["loyal"]) > nps_of(kinds["one_time"]) + 15
    assert nps_of(kinds["loyal"]) > nps_of(kinds["lapsed"]) + 15
    # happier than a year ago; the courier backlog around the Spring Festival hurt Q1 2026,
    # Q2 2026 recovered: "happier than last quarter" has an answer
    first_year = [a for a in everything if a["day"] < date(2025, 6, 30)]
    second_year = [a for a in everything if a["day"] >= date(2025, 6, 30)]
    assert nps_of(second_year) > nps_of(first_year) + 5
    q1 = [a for a in everything if date(2026, 1, 1) <= a["day"] <= date(2026, 3, 31)]
    q2 = [a for a in everything if date(2026, 4, 1) <= a["day"] <= date(2026, 6, 30)]
    assert nps_of(q2) > nps_of(q1) + 8


ORDER_COLUMNS = {  # file -> (customer id, order id, time, time pattern)
    "online_shop_orders.csv": ("customer_id", "order_id", "order_date", ISO_DT),
    "tmall_orders.csv": ("买家会员名", "订单编号", "买家下单时间", SLASH_DT),
    "wechat_orders.ndjson": ("member_id", "order_id", "paid_at", ISO_DT),
    "store_sales.csv": ("会员卡号", "订单号", "下单时间", ZH_DT),
}


def test_behaviours_show_in_the_orders(demo: tuple[Path, Manifest]) -> None:
    """One-time, loyal, lapsed, won-back and new buyers look like their names (ground truth)."""
    folder, manifest = demo
    people = _people(folder)
    owner = {
        (t["channel"], t["source_customer_id"]): t["person_id"]
        for t in read_truth(folder)
        if t["table"] == "orders"
    }
    days: dict[str, set[date]] = defaultdict(set)  # person -> order days (any status)
    for path, (cid, oid, when, pattern) in ORDER_COLUMNS.items():
        channel = manifest.file(path).channel
        for r in read_records(folder, path)[1]:
            v = r.values
            if not v or not v[cid] or not v[oid] or date_problem(v[when], (pattern,)):
                continue
            day = date(*map(int, re.match(pattern, v[when]).groups()[:3]))  # type: ignore[union-attr]
            days[owner[(channel, v[cid])]].add(day)
    kinds = Counter(p["behaviour"] for p in people.values())
    assert set(kinds) == {"regular", "one_time", "loyal", "lapsed", "won_back", "new"}
    assert all(0.03 <= n / len(people) <= 0.40 for n in kinds.values()), kinds
    year_ago = date(2025, 6, 30)
    orders_of: dict[str, list[int]] = defaultdict(list)
    for person, p in people.items():
        mine = sorted(days.get(person, ()))
        orders_of[p["behaviour"]].append(len(mine))
        kind = p["behaviour"]
        if kind == "one_time":
            assert len(mine) <= 1
        elif kind == "lapsed":
            assert not mine or mine[-1] < year_ago
        elif kind == "new":  # (no order at all: their one order row is broken on purpose)
            assert not mine or mine[0] >= date(2026, 3, 30)
        elif kind == "won_back" and len(mine) >= 2:  # (fewer: a row broken on purpose)
            gaps = [(b - a).days for a, b in itertools.pairwise(mine)]
            assert max(gaps) > 365 and mine[-1] >= date(2026, 1, 1)
    assert sum(n > 0 for n in orders_of["new"]) > 0.99 * len(orders_of["new"])
    mean = {k: sum(v) / len(v) for k, v in orders_of.items()}
    assert mean["loyal"] > 2.5 * mean["regular"]
    assert sum(n == 1 for n in orders_of["one_time"]) > 0.9 * len(orders_of["one_time"])
    # Tmall brings one-time buyers, stores keep theirs
    only = defaultdict(list)
    for p in people.values():
        if ";" not in p["sales_channels"]:
            only[p["sales_channels"]].append(p["behaviour"] == "one_time")
    assert sum(only["tmall"]) / len(only["tmall"]) > 2 * sum(only["offline_store"]) / len(
        only["offline_store"]
    )


def test_bundles_are_bought_together(demo: tuple[Path, Manifest]) -> None:
    """Planted co-purchases: the pair's lift (over orders of the online shop) is far above 3."""
    baskets: dict[str, set[str]] = defaultdict(set)
    for r in read_records(demo[0], "online_shop_orders.csv")[1]:
        if r.values and r.values["order_id"]:
            baskets[r.values["order_id"]].add(r.values["product"])
    n = len(baskets)

    def lift(a: str, b: str) -> float:
        with_a = sum(a in x for x in baskets.values())
        with_b = sum(b in x for x in baskets.values())
        both = sum(a in x and b in x for x in baskets.values())
        return both * n / (with_a * with_b)

    assert lift("Yoga mat (pro)", "Yoga block (entry)") > 10
    assert lift("Smartphone (standard)", "Phone case (standard)") > 10
    assert lift("Green tea (small pack)", "Teapot (ivory)") > 10
    assert lift("Jeans (black)", "Dress (white)") < 3  # nothing planted there


# ---------------------------------------------------------------------------------------------
# Bad rows
# ---------------------------------------------------------------------------------------------


def test_every_broken_row_is_in_the_manifest_and_nothing_else(demo: tuple[Path, Manifest]) -> None:
    folder, manifest = demo
    for f in manifest.files:
        header, records = read_records(folder, f.path)
        found: list[tuple[int, str | None, str, str | None]] = []
        for r in records:
            if r.fields < len(header):
                found.append((r.line, None, "too_few_fields", None))
            elif r.fields > len(header):
                found.append((r.line, None, "too_many_fields", None))
            else:
                for column, kind in problems(RULES[f.path], r.values):
                    value = r.values[column]
                    found.append((r.line, column, kind, None if value is None else str(value)))
        expected = [(b.line, b.column, b.kind, b.value) for b in f.expected_bad_rows]
        assert sorted(found, key=str) == sorted(expected, key=str), f.path


def test_a_handful_of_each_kind_spread_across_files(demo: tuple[Path, Manifest]) -> None:
    manifest = demo[1]
    kinds = Counter(b.kind for f in manifest.files for b in f.expected_bad_rows)
    assert set(kinds) == set(BAD_ROW_KINDS)
    assert all(2 <= n <= 5 for n in kinds.values()), kinds
    files_per_kind = defaultdict(set)
    for f in manifest.files:
        for b in f.expected_bad_rows:
            files_per_kind[b.kind].add(f.path)
            assert b.kind not in {"too_few_fields", "too_many_fields"} or f.format == "csv"
    multi_file = {"impossible_date", "unreadable_amount", "unknown_status", "garbage_phone"}
    assert all(len(files_per_kind[k]) >= 3 for k in multi_file)
    lines = [(f.path, b.line) for f in manifest.files for b in f.expected_bad_rows]
    assert len(lines) == len(set(lines))  # one problem per broken row


def test_checker_catches_a_broken_row_the_manifest_does_not_list(tmp_path: Path) -> None:
    """The bad-row test can fail: an extra broken cell is noticed."""
    manifest = generate_demo_files(tmp_path, people=300, seed=5)
    path = tmp_path / "online_shop_orders.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    listed = {b.line for b in manifest.file("online_shop_orders.csv").expected_bad_rows}
    victim = next(n for n in range(2, len(lines) + 1) if n not in listed)
    fields = lines[victim - 1].rstrip("\n").split(",")
    fields[-1] = "shipped?"
    lines[victim - 1] = ",".join(fields) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    header, records = read_records(tmp_path, "online_shop_orders.csv")
    broken = [
        r.line
        for r in records
        if len(header) == r.fields and problems(RULES["online_shop_orders.csv"], r.values)
    ]
    assert victim in broken
    assert set(broken) - listed == {victim}


# ---------------------------------------------------------------------------------------------
# Small API
# ---------------------------------------------------------------------------------------------


def test_demo_paths() -> None:
    assert demo_paths(Path("/srv/cimlab")) == (
        Path("/srv/cimlab/data/demo"),
        Path("/srv/cimlab/data/workspace"),
    )


def test_too_few_people_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="people=10"):
        generate_demo_files(tmp_path, people=10)


def test_other_as_of_moves_the_window(tmp_path: Path) -> None:
    generate_demo_files(tmp_path, people=300, as_of=date(2024, 1, 31))
    _, rows = read_records(tmp_path, "call_centre_interactions.csv")
    stamps = [r.values["timestamp"] for r in rows if r.values]
    good = [
        s
        for s in stamps
        if not date_problem(s, RULES["call_centre_interactions.csv"].dates["timestamp"])
    ]
    assert min(good) >= "2022-01-31" and max(good) < "2024-01-31"


def test_readme_counts_of_the_tmall_file_are_the_demo_s(demo: tuple[Path, Manifest]) -> None:
    """README's tour quotes the rows of tmall_orders.csv: they are those of the default demo."""
    import re

    from cimlab.ingest.importer import check_file

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"rows_quarantined  # \((\d+), (\d+), (\d+)\)", readme)
    assert quoted is not None
    report = check_file(demo[0] / "tmall_orders.csv")
    counts = (report.rows_read, report.rows_loaded, report.rows_quarantined)
    assert tuple(map(int, quoted.groups())) == counts
    assert f"counts {counts[0]:,} rows read" in readme and f"{counts[1]:,} to load" in readme
