"""Export profiles (cimlab.act.profiles): exact files, hand-computed hash vectors, caps, safety.

Every hash literal below was computed once in a shell with ``hashlib`` from the normalised
value written next to it (never with the code under test).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.act.profiles import (
    DMP_MOBILE_HASH_SHA256,
    HUBSPOT_LIFECYCLE,
    PROFILES,
    ROW_SCHEMA,
    ExportFile,
    dmp_record,
    render,
)
from cimlab.analytics.lifecycle import STAGES

OUT = Path("out/list.csv")
BOM = b"\xef\xbb\xbf"

# sha256 of the normalised values (hashlib, by hand)
SHA = {
    "j.smith+x@googlemail.com": "3945347259f743e4c40ebaf804045a3663375d4dc555af82e4179d667461858d",
    "jsmith@gmail.com": "2d974c2de0956a540ed36cfa50622b60ab5de35cec066ad1b6d02832f96bbf81",
    "ann@x.com": "0b2d6603047b0e23d4fc76b502153865296189b7d3a170d1a7b2dcda4e2b6d10",
    "8613800138000": "bf08aacce7f9b2452863cf99373043c3333f0e3127f1f787c4abb46ab6cf2b83",
    "+8613800138000": "ec61f3c620a98bdead8c1f1f0ae747abd1b62a0c2dba4fd4bc22cf0d1d8653e5",
    "442079460958": "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823",
    "+442079460958": "f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d",
    "娜娜": "85c7fd40802be78798e41697049e2f6065039acfcb40e30adeaacaf7f79de2ea",
    "欧阳": "1340558609b818387d21eb2f9a0045bd589bc00fe8fe2a82780bd644b51c6445",
    "annmarie": "2322d03565a46ece1e31e5ef0d5f79f5a0ee0dc96ff666e52948e52e0298850e",
    "oneil": "67a42a846e98e3c1a96cd6ba14883a5ea05990cd93964ce8b832aa9497ca785c",
    "ann-marie": "f0c76d62a57c86e4422ca908f9865d1ee0bdb3da6936230fedfe07d336659826",
    "o'neil": "eb1aed4f494ca276a88d3161252e48e0fe703f32666fe44fe4652f660b82cda4",
    "cn": "ff2082aa78aea80a27cb4fb91f0350153702c16dce790a77f0bb0bfbf6899977",
    "gb": "0b407281768f0e833afef47ed464b6571d01ca4d53c12ce5c51d1462f4ad6677",
    "13800138000": "a6942f9771d67f34034d2f1926988ed3fad3bf1b4e7cedb9a31f31398dea43bc",
    "13912345678": "ba6c167e885ea4be8252fb01c61fc55439089f389ee1b0592fc8c4f417196403",
}
MD5 = {
    "13800138000": "7945bd83237335e5376ff44d62e4f0ae",
    "13912345678": "535381ec9d5ab7a390db0a30860600f2",
    "13900000000": "46eec3f33e3d86a40c914a591922f420",
    "13900000299": "74a6f4c1976b9e39f3ce299b9a5eea65",
}


@pytest.fixture
def rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "name": ["欧阳娜娜", "Ann-Marie O'Neil", "林**", None],
            "email": [" J.Smith+x@GoogleMail.com", "ann@x.com", None, None],
            "phone": ["+8613800138000", "+442079460958", "138****1234", None],
            "country": ["中国", None, "CN", None],
            "lifecycle_stage": ["loyal", "prospect", None, "new"],
            "wechat_openid": ["oA1", None, None, None],
            "wecom_external_userid": [None, "wmX", None, None],
            "consent_email": [True, None, None, None],
            "consent_sms": [True, False, None, None],
        }
    )


def text(data: bytes) -> str:
    assert not data.startswith(BOM)
    return data.decode("utf-8")


def one(profile: str, rows: pl.DataFrame, **options) -> ExportFile:
    done = render(profile, rows, OUT, **options)
    assert len(done.files) == 1
    return done.files[0]


# --------------------------------------------------------------------------- the table


def test_profiles_are_the_documented_ones():
    assert list(PROFILES) == [
        "sms", "call", "wecom", "mailchimp", "klaviyo", "hubspot", "meta", "google", "tencent",
        "oceanengine", "excel", "csv", "parquet", "json",
    ]  # fmt: skip
    for name, p in PROFILES.items():
        assert p.name == name and p.title_en and p.title_zh and p.description
        assert set(p.identifiers.values()) <= {"email", "sms", "wechat", "phone"}
        assert set(p.identifiers) <= set(ROW_SCHEMA)
    assert {n for n, p in PROFILES.items() if p.hashed} == {
        "meta",
        "google",
        "tencent",
        "oceanengine",
    }
    assert PROFILES["sms"].identifiers == {"phone": "sms"}
    assert PROFILES["call"].identifiers == {"phone": "phone"}


# --------------------------------------------------------------------------- contact tools


def test_sms(rows):
    done = render("sms", rows, OUT)
    assert (done.rows_written, done.rows_without_identifier) == (2, 2)
    # CN mobile bare; the UK number as country code + number (Aliyun's international format)
    assert text(done.files[0].data) == "手机号码\n13800138000\n442079460958\n"


def test_sms_batches():
    phones = [f"+86139{i:08d}" for i in range(5)]
    data = one("sms", pl.DataFrame({"phone": phones}), batch=2).data
    lines = text(data).splitlines()
    assert lines[0] == "手机号码,批次"
    assert [line.split(",")[1] for line in lines[1:]] == ["1", "1", "2", "2", "3"]
    assert lines[1] == "13900000000,1"
    with pytest.raises(ValueError, match="between 1 and 100"):
        render("sms", pl.DataFrame({"phone": phones}), OUT, batch=101)
    with pytest.raises(ValueError, match="sms profile only"):
        render("call", pl.DataFrame({"phone": phones}), OUT, batch=10)


def test_call_list_for_people(rows):
    data = one("call", rows).data
    assert data.startswith(BOM)
    assert data[3:].decode() == (
        "customer_id,name,phone\nC1,欧阳娜娜,+8613800138000\nC2,Ann-Marie O'Neil,+442079460958\n"
    )
    zh = one("call", rows, lang="zh").data[3:].decode()
    assert zh.splitlines()[0] == "客户编号,姓名,电话"


def test_wecom_writes_the_id_columns_present(rows):
    done = render("wecom", rows, OUT)
    assert text(done.files[0].data) == "external_userid,openid\n,oA1\nwmX,\n"
    assert done.rows_without_identifier == 2


def test_mailchimp(rows):
    done = render("mailchimp", rows, OUT)
    assert text(done.files[0].data) == (
        "Email Address,First Name,Last Name\n"
        "j.smith+x@googlemail.com,娜娜,欧阳\n"  # delivered as given: no gmail canonical form
        "ann@x.com,Ann-Marie,O'Neil\n"
    )
    assert done.rows_without_identifier == 2


def test_klaviyo(rows):
    assert text(one("klaviyo", rows).data) == (
        "Email,Phone Number,First Name,Last Name,Email Marketing Consent,SMS Marketing Consent\n"
        "j.smith+x@googlemail.com,+8613800138000,娜娜,欧阳,Subscribed,Subscribed\n"
        "ann@x.com,+442079460958,Ann-Marie,O'Neil,Never subscribed,Unsubscribed\n"
    )


def test_hubspot(rows):
    assert text(one("hubspot", rows).data) == (
        "First Name,Last Name,Email,Lifecycle Stage\n"
        "娜娜,欧阳,j.smith+x@googlemail.com,customer\n"
        "Ann-Marie,O'Neil,ann@x.com,lead\n"
    )


def test_hubspot_lifecycle_table_covers_every_stage():
    hubspot = {"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
               "opportunity", "customer", "evangelist", "other"}  # fmt: skip
    assert set(HUBSPOT_LIFECYCLE) == set(STAGES["stage"])
    assert set(HUBSPOT_LIFECYCLE.values()) <= hubspot


# --------------------------------------------------------------------------- hashed audiences


def test_meta(rows):
    done = render("meta", rows, OUT)
    s = SHA
    assert text(done.files[0].data) == (
        "email,phone,fn,ln,country\n"
        # email trimmed + lower-cased; phone digits with country code; names lower-cased,
        # punctuation removed; country ISO-2 lower-cased (中国 -> cn, +44 -> gb)
        f"{s['j.smith+x@googlemail.com']},{s['8613800138000']},{s['娜娜']},{s['欧阳']},{s['cn']}\n"
        f"{s['ann@x.com']},{s['442079460958']},{s['annmarie']},{s['oneil']},{s['gb']}\n"
    )
    assert done.rows_without_identifier == 2


def test_google(rows):
    s = SHA
    oneil = s["o'neil"]
    assert text(one("google", rows).data) == (
        "Email,Phone,First Name,Last Name,Country,Zip\n"
        # gmail canonical (googlemail -> gmail, dots and +x dropped); phone E.164 with +
        f"{s['jsmith@gmail.com']},{s['+8613800138000']},{s['娜娜']},{s['欧阳']},CN,\n"
        f"{s['ann@x.com']},{s['+442079460958']},{s['ann-marie']},{oneil},GB,\n"
    )


def test_tencent(rows):
    rows = pl.concat([rows, pl.DataFrame({"phone": ["+8613912345678"]})], how="diagonal")
    done = render("tencent", rows, Path("out/list.txt"))
    assert done.rows_written == 2 and done.rows_without_identifier == 3  # UK, masked, none
    (file,) = done.files
    assert (file.path, file.fmt) == (Path("out/list.txt"), "txt")
    assert text(file.data) == f"{MD5['13800138000']}\n{MD5['13912345678']}\n"


def test_tencent_zipped_on_request(rows):
    file = one("tencent", rows, zipped=True)
    assert (file.path, file.fmt) == (Path("out/list.zip"), "zip")
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        assert archive.namelist() == ["list.txt"]
        assert archive.read("list.txt") == f"{MD5['13800138000']}\n".encode()
    with pytest.raises(ValueError, match="tencent profile only"):
        render("meta", rows, OUT, zipped=True)


def test_dmp_record_bytes_by_hand():
    # OceanEngine DMP proto (toutiao.dmp, published in github.com/bububa/oceanengine
    # marketing-api/model/dmp/datasource/dmp.proto): DmpData.idList = field 1 (message),
    # IdItem.dataType = field 2 (enum, MOBILE_HASH_SHA256 = 6), IdItem.id = field 3 (string).
    assert DMP_MOBILE_HASH_SHA256 == 6
    digest = SHA["13800138000"]
    item = bytes([0x10, 0x06]) + bytes([0x1A, 0x40]) + digest.encode()  # key 2<<3|0, key 3<<3|2
    assert dmp_record(digest) == bytes([0x0A, len(item)]) + item  # key 1<<3|2, length 68
    assert len(item) == 0x44
    # a long id needs a two-byte length varint: 300 = 0xAC 0x02
    assert dmp_record("x" * 300)[:7] == bytes([0x0A, 0xB1, 0x02, 0x10, 0x06, 0x1A, 0xAC])


def test_oceanengine(rows):
    done = render("oceanengine", rows, Path("out/dmp.txt"))
    (file,) = done.files
    assert (file.path, file.fmt, file.rows) == (Path("out/dmp.zip"), "zip", 1)
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        assert archive.namelist() == ["dmp.txt"]
        lines = archive.read("dmp.txt").decode("ascii").splitlines()
    # base64 of 0a 44 10 06 1a 40 + sha256("13800138000") hex, computed by hand in a shell
    assert lines == [
        "CkQQBhpAYTY5NDJmOTc3MWQ2N2YzNDAzNGQyZjE5MjY5ODhlZDNmYWQzYmYxYjRl"
        "N2NlZGI5YTMxZjMxMzk4ZGVhNDNiYw=="
    ]
    assert base64.b64decode(lines[0])[6:].decode() == SHA["13800138000"]


# --------------------------------------------------------------------------- files for people and machines


def test_excel_and_csv_for_people(rows):
    from openpyxl import load_workbook

    xlsx = one("excel", rows, lang="zh")
    assert (xlsx.path, xlsx.fmt, xlsx.rows) == (Path("out/list.xlsx"), "xlsx", 4)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[0][:4] == ("客户编号", "姓名", "手机号", "邮箱")
    assert values[1][:4] == ("C1", "欧阳娜娜", "+8613800138000", "j.smith+x@googlemail.com")
    assert values[3][2] is None  # the masked number is never exported
    csv_file = one("csv", rows)
    assert csv_file.data.startswith(BOM)
    header = csv_file.data[3:].decode().splitlines()[0]
    assert header.startswith("Customer ID,Name,Phone,Email,Country")


def test_machine_files_hold_validated_values(rows):
    parquet = one("parquet", rows)
    frame = pl.read_parquet(io.BytesIO(parquet.data))
    assert frame.schema == pl.Schema(ROW_SCHEMA)
    assert frame["phone"].to_list() == ["+8613800138000", "+442079460958", None, None]
    assert frame["email"].to_list() == ["j.smith+x@googlemail.com", "ann@x.com", None, None]
    data = one("json", rows).data
    assert not data.startswith(BOM)
    records = json.loads(data.decode("utf-8"))
    assert isinstance(records, list) and len(records) == 4
    assert records[0]["name"] == "欧阳娜娜" and records[0]["consent_sms"] is True
    assert_frame_equal(pl.DataFrame(records, schema=ROW_SCHEMA), frame)


def test_missing_columns_are_null_and_errors_name_values():
    done = render("meta", pl.DataFrame({"phone": ["+8613800138000"]}), OUT)
    assert (
        text(done.files[0].data)
        == f"email,phone,fn,ln,country\n,{SHA['8613800138000']},,,{SHA['cn']}\n"
    )
    with pytest.raises(ValueError, match="profile='fax'"):
        render("fax", pl.DataFrame(), OUT)
    with pytest.raises(ValueError, match="lang='fr'"):
        render("excel", pl.DataFrame(), OUT, lang="fr")
    empty = render("google", pl.DataFrame({"email": [None]}, schema={"email": pl.String}), OUT)
    assert (empty.rows_written, empty.rows_without_identifier) == (0, 1)
    assert text(empty.files[0].data) == "Email,Phone,First Name,Last Name,Country,Zip\n"


# --------------------------------------------------------------------------- caps


def test_split_into_parts_at_a_cap():
    n = 40
    frame = pl.DataFrame(
        {"email": [f"user{i}@example.com" for i in range(n)], "name": ["Ann Lee"] * n}
    )
    whole = one("klaviyo", frame).data
    done = render("klaviyo", frame, Path("out/k.csv"), max_bytes=400)
    assert len(done.files) > 2
    assert [f.path.name for f in done.files] == [
        f"k-part{i}.csv" for i in range(1, len(done.files) + 1)
    ]
    assert all(len(f.data) <= 400 for f in done.files)
    assert sum(f.rows for f in done.files) == done.rows_written == n
    header, *body = whole.decode().splitlines()
    parts = [f.data.decode().splitlines() for f in done.files]
    assert all(p[0] == header for p in parts)  # every part has the header
    assert [line for p in parts for line in p[1:]] == body  # rows in order, none lost
    with pytest.raises(ValueError, match="more than max_bytes=20"):
        render("klaviyo", frame, OUT, max_bytes=20)


def test_hashed_files_split_and_zip_at_a_cap():
    frame = pl.DataFrame({"phone": [f"+86139{i:08d}" for i in range(300)]})
    tencent = render("tencent", frame, Path("out/t.txt"), max_bytes=2_000)
    assert len(tencent.files) > 1  # 300 × 33 bytes of text is over the cap: zipped, then split
    assert all(f.fmt == "zip" and len(f.data) <= 2_000 for f in tencent.files)
    assert tencent.files[0].path == Path("out/t-part1.zip")
    lines = []
    for f in tencent.files:
        with zipfile.ZipFile(io.BytesIO(f.data)) as archive:
            lines += archive.read("t.txt").decode().splitlines()
    assert len(lines) == 300
    assert (lines[0], lines[-1]) == (MD5["13900000000"], MD5["13900000299"])
    dmp = render("oceanengine", frame, Path("out/d.zip"), max_bytes=3_000)
    assert len(dmp.files) > 1 and all(len(f.data) <= 3_000 for f in dmp.files)
    assert sum(f.rows for f in dmp.files) == 300


def test_same_rows_give_the_same_bytes(rows):
    for name in ("oceanengine", "meta", "google"):  # (xlsx carries its creation time)
        assert render(name, rows, OUT).files[0].data == render(name, rows, OUT).files[0].data
    zipped = [render("tencent", rows, OUT, zipped=True).files[0].data for _ in range(2)]
    assert zipped[0] == zipped[1]


# --------------------------------------------------------------------------- properties

_FORMULA = re.compile(r"^(?:[\t\r]|[ \n]*[=+\-@])")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def formula_cells(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run (cimlab.export's rule: a formula start, not a number)."""
    return [c for c in cells if _FORMULA.match(c) and not _NUMBER.match(c.strip())]


def random_rows(seed: int, n: int = 120) -> pl.DataFrame:
    rng = random.Random(seed)
    names = ["=HYPERLINK(\"http://x\",\"y\")", "+86 13800138000", "@SUM(A1)", "-2+3", "\tTabby Cat",
             "Wolfgang Zimmer", "欧阳修", "诸葛亮", "Lee, Quinn", "Jörg Müller", "李**", None, "Ryu"]  # fmt: skip
    emails = ["=1+1@x.com", "@x@y.com", "+zed@x.com", "Wolf.Gang+news@gmail.com", "holly@yahoo.com",
              "quinn.lee@outlook.com", "bad address", None]  # fmt: skip
    phones = ["+8613800138000", "+8613912345678", "+442079460958", "+14155550100",
              "138****1234", "132123457749-1234", "=1+1", None]  # fmt: skip
    return pl.DataFrame(
        {
            "customer_id": [f"=C{i}" if i % 7 == 0 else f"C{i}" for i in range(n)],
            "name": [rng.choice(names) for _ in range(n)],
            "email": [rng.choice(emails) for _ in range(n)],
            "phone": [rng.choice(phones) for _ in range(n)],
            "country": [rng.choice(["CN", "=cmd|' /C calc'!A0", "英国", None]) for _ in range(n)],
            "city": [rng.choice(["+Shanghai", "北京", None]) for _ in range(n)],
            "wechat_openid": [rng.choice(["=o1", "oX", None]) for _ in range(n)],
            "consent_email": [rng.choice([True, False, None]) for _ in range(n)],
            "consent_sms": [rng.choice([True, False, None]) for _ in range(n)],
        }
    )


def all_cells(file: ExportFile) -> list[str]:
    if file.fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(file.data)).active
        return [str(v) for row in sheet.values for v in row if v is not None]
    data = file.data.removeprefix(BOM).decode("utf-8")
    return [cell for row in csv.reader(io.StringIO(data)) for cell in row]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_cell_starts_a_formula(seed):
    frame = random_rows(seed)
    for name, profile in PROFILES.items():
        if profile.suffix not in (".csv", ".xlsx"):
            continue
        for file in render(name, frame, OUT, lang="zh" if seed % 2 else "en").files:
            assert formula_cells(all_cells(file)) == [], name


@pytest.mark.parametrize("seed", [4, 5])
def test_hashed_profiles_hold_no_clear_identifier_and_no_masked_number(seed):
    frame = random_rows(seed)
    clear = set()
    for col in ("email", "phone", "name"):
        clear |= {v for v in frame[col].drop_nulls().to_list()}
    clear |= {v.strip().lower() for v in frame["email"].drop_nulls()}
    clear |= {"13800138000", "13912345678", "8613800138000", "442079460958", "4155550100"}
    clear |= {"wolfgang", "zimmer", "Wolfgang", "Zimmer", "欧阳", "诸葛", "Quinn", "quinn", "Müller",
              "müller", "gmail", "yahoo", "outlook", "138****1234"}  # fmt: skip
    for name in ("meta", "google", "tencent", "oceanengine"):
        for file in render(name, frame, OUT).files:
            data = file.data
            if file.fmt == "zip":
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    data = b"".join(archive.read(n) for n in archive.namelist())
                    data += b"".join(base64.b64decode(line) for line in data.splitlines())
            for value in clear:
                assert value.encode("utf-8") not in data, (name, value)
    # masked and virtual numbers never reach any file, clear or hashed
    for name in PROFILES:
        for file in render(name, frame, OUT).files:
            if file.fmt in ("csv", "json", "txt"):
                body = file.data.decode("utf-8-sig")
                assert "****" not in body.replace("李**", "") and "-1234" not in body, name


def test_platform_uploads_have_no_bom_people_files_do(rows):
    for name, profile in PROFILES.items():
        data = render(name, rows, OUT).files[0].data
        if profile.audience == "people" and profile.suffix == ".csv":
            assert data.startswith(BOM), name
        else:
            assert not data.startswith(BOM), name


def test_sms_batches_never_mix_cn_and_international_numbers():
    phones = ["+442079460958", "+8613900000000", "+14155550100", "+8613900000001", "+8613900000002"]
    data = one("sms", pl.DataFrame({"phone": phones}), batch=2).data
    assert text(data) == (
        "手机号码,批次\n"
        "13900000000,1\n13900000001,1\n13900000002,2\n"  # CN: batches 1-2
        "442079460958,3\n14155550100,3\n"  # international: from batch 3 on
    )


def test_blank_ids_are_no_ids():
    frame = pl.DataFrame({"wechat_openid": ["  ", "oB"], "wechat_unionid": ["", None]})
    done = render("wecom", frame, OUT)
    assert text(done.files[0].data) == "openid\noB\n"
    assert done.rows_without_identifier == 1
    nobody = render("wecom", frame.head(1), OUT)
    assert text(nobody.files[0].data) == "external_userid,openid,unionid\n"
    assert (nobody.rows_written, nobody.rows_without_identifier) == (0, 1)


def test_every_profile_says_what_it_holds_in_both_languages() -> None:
    from cimlab.act.profiles import DESCRIPTIONS_ZH, PROFILES

    assert set(DESCRIPTIONS_ZH) == set(PROFILES)
    for profile in PROFILES.values():
        assert profile.about("en") == profile.description
        assert profile.about("zh") == DESCRIPTIONS_ZH[profile.name] != profile.description
