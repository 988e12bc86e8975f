"""Export profiles: one campaign list, written the way each tool that ingests it expects.

Input: one frame of export rows, one row per customer, already suppressed (identifiers a
customer did not consent to are null). Columns (:data:`ROW_SCHEMA`; a missing column is all
null): ``customer_id, name, email, phone`` (E.164), ``country, city, region, lifecycle_stage,
segment, wechat_openid, wecom_external_userid, wechat_unionid`` and the Boolean
``consent_email, consent_sms, consent_wechat, consent_phone``.

:func:`render` turns them into the bytes of the file(s) to write (:class:`ExportFile`; the
caller writes them with :func:`cimlab.export.write_bytes`) and counts the rows left out for
want of the profile's identifier (:class:`Rendered`). Identifiers are checked again here:
a phone must be E.164 (masked ``138****1234`` and virtual numbers are never written, nor
hashed), an e-mail plausible (:func:`cimlab.ingest.parsing.normalize_email`).

Profiles (:data:`PROFILES`; each :class:`Profile` documents its format):

- ``sms``: CSV ``手机号码`` for Aliyun SMS: CN mobiles as 11 digits, other numbers as country
  code + number without ``+`` (Aliyun's 国际/港澳台 format, ``852...``); ``batch=N`` (≤ 100, the
  ``SendBatchSms`` limit) adds ``批次``: CN numbers first, so no batch mixes CN and
  international numbers (their templates cannot be mixed).
- ``call``: CSV for a call team (BOM, Excel-safe): customer id, name, phone E.164. The name is
  in clear: the caller has to greet the customer.
- ``wecom``: CSV ``external_userid, openid, unionid`` (the columns that hold a value).
- ``mailchimp``: CSV ``Email Address`` first, ``First Name``, ``Last Name``.
- ``klaviyo``: CSV ``Email, Phone Number, First Name, Last Name, Email Marketing Consent, SMS
  Marketing Consent`` (≤ 50 MB per file, Klaviyo's list-import cap).
- ``hubspot``: CSV ``First Name, Last Name, Email, Lifecycle Stage`` (:data:`HUBSPOT_LIFECYCLE`).
- ``meta``: CSV ``email, phone, fn, ln, country``, every value SHA-256 hex.
- ``google``: CSV ``Email,Phone,First Name,Last Name,Country,Zip``: SHA-256 except Country and
  Zip (clear; Zip empty).
- ``tencent``: TXT, one MD5 of the bare 11-digit CN mobile per line (``HASH_MOBILE_PHONE``),
  zipped on request or over 100 MB.
- ``oceanengine``: ZIP(s) ≤ 50 MB of base64 protobuf ``DmpData`` lines, one
  ``MOBILE_HASH_SHA256`` id each (:func:`dmp_record`).
- ``excel``: XLSX for people, column names in ``lang``; ``csv``: the same as CSV with BOM.
- ``parquet``, ``json``: machine files, the validated values as they are.

Every CSV goes through :func:`cimlab.export.escape_formulas` (an e-mail like
``=1+1@x.com`` is written ``'=1+1@x.com``); hashes are hex and never need it. Platform
uploads are UTF-8 without BOM; files for people (``call``, ``excel``, ``csv``) come from
:func:`cimlab.export.table_bytes` (BOM, formulas escaped).

Examples
--------
>>> rows = pl.DataFrame({"customer_id": ["C1", "C2"], "phone": ["+8613800138000", None]})
>>> done = render("tencent", rows, Path("list.txt"))
>>> done.rows_written, done.rows_without_identifier, done.files[0].path.name
(1, 1, 'list.txt')
>>> done.files[0].data
b'7945bd83237335e5376ff44d62e4f0ae\\n'
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cimlab.contacts import (
    canonical_email_expr,
    cn_mobile_digits_expr,
    country_from_e164_expr,
    country_iso2_expr,
    md5_hex_expr,
    phone_digits_with_country_expr,
    sha256_hex_expr,
    split_name_expr,
)
from cimlab.export import escape_formulas, table_bytes
from cimlab.ingest.parsing import normalize_email

__all__ = [
    "DESCRIPTIONS_ZH",
    "DMP_MOBILE_HASH_SHA256",
    "HUBSPOT_LIFECYCLE",
    "PROFILES",
    "ROW_SCHEMA",
    "SMS_BATCH_MAX",
    "ExportFile",
    "Profile",
    "Rendered",
    "dmp_record",
    "render",
]

#: Columns of the export rows :func:`render` reads (a missing column is all null).
ROW_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "name": pl.String(),
    "email": pl.String(),
    "phone": pl.String(),
    "country": pl.String(),
    "city": pl.String(),
    "region": pl.String(),
    "lifecycle_stage": pl.String(),
    "segment": pl.String(),
    "wechat_openid": pl.String(),
    "wecom_external_userid": pl.String(),
    "wechat_unionid": pl.String(),
    "consent_email": pl.Boolean(),
    "consent_sms": pl.Boolean(),
    "consent_wechat": pl.Boolean(),
    "consent_phone": pl.Boolean(),
}

#: Aliyun SMS ``SendBatchSms`` takes at most 100 numbers per call.
SMS_BATCH_MAX = 100

#: cimlab lifecycle stage (:mod:`cimlab.analytics.lifecycle`) → HubSpot's internal lifecycle
#: stage value (subscriber, lead, marketingqualifiedlead, salesqualifiedlead, opportunity,
#: customer, evangelist, other). A prospect has never bought: ``lead``; everyone who has bought
#: is a ``customer`` (HubSpot moves stages only forward by default, so a lapsed buyer stays a
#: customer). Unknown stages are left empty (HubSpot keeps the contact's stage).
HUBSPOT_LIFECYCLE: dict[str, str] = {
    "prospect": "lead",
    "new": "customer",
    "repeat": "customer",
    "loyal": "customer",
    "won_back": "customer",
    "at_risk": "customer",
    "lapsed": "customer",
}

#: ``IdItem.DataType.MOBILE_HASH_SHA256`` of OceanEngine's DMP data-source proto (see
#: :func:`dmp_record`).
DMP_MOBILE_HASH_SHA256 = 6

_MB = 1_000_000


@dataclass(frozen=True)
class ExportFile:
    """One file to write: where, its bytes, how many customer rows it holds, its format
    (``csv``, ``xlsx``, ``parquet``, ``json``, ``txt`` or ``zip``)."""

    path: Path
    data: bytes
    rows: int
    fmt: str


@dataclass(frozen=True)
class Rendered:
    """What :func:`render` made: the files, the rows written, and the rows left out because
    they had none of the identifiers the profile needs (no usable phone, e-mail or id)."""

    profile: str
    files: tuple[ExportFile, ...]
    rows_written: int
    rows_without_identifier: int


@dataclass(frozen=True)
class Profile:
    """An export profile.

    ``identifiers``: the identifier columns it exports and the consent purpose each needs
    (``{"phone": "sms"}``; ad audiences use the purpose of the channel the identifier belongs
    to); ``hashed``: it writes identifiers only as hashes; ``suffix``: the file's usual suffix;
    ``audience``: ``platform`` (an upload: UTF-8 without BOM), ``people`` (opened in Excel: BOM,
    formulas escaped) or ``machine``; ``needs_identifier``: rows without any usable identifier
    are left out (and counted); ``max_bytes``: the platform's size cap per file (larger exports
    are split into ``-part1``, ``-part2`` ...); ``columns``: the fixed header of a CSV upload
    (empty when the file has none or it depends on ``lang``).
    """

    name: str
    title_en: str
    title_zh: str
    identifiers: Mapping[str, str]
    hashed: bool
    description: str
    suffix: str
    audience: str = "platform"
    needs_identifier: bool = True
    max_bytes: int | None = None
    columns: tuple[str, ...] = field(default_factory=tuple)

    def about(self, lang: str = "en") -> str:
        """What the file holds, in ``lang`` (``en`` or ``zh``): :attr:`description`, or its
        Chinese version (:data:`DESCRIPTIONS_ZH`)."""
        return (
            DESCRIPTIONS_ZH.get(self.name, self.description) if lang == "zh" else self.description
        )


_WECHAT_IDS = {
    "wecom_external_userid": "wechat",
    "wechat_openid": "wechat",
    "wechat_unionid": "wechat",
}
_ALL_IDS = {"email": "email", "phone": "phone", **_WECHAT_IDS}

#: Each profile's description in Chinese, for the app's 中文 pages.
DESCRIPTIONS_ZH: dict[str, str] = {
    "sms": "手机号码：中国大陆手机号写 11 位；其他号码写国际区号+号码（不带 '+'，阿里云短信 SendBatchSms "
    "的国际/港澳台格式）。batch=N 增加“批次”列（1、2……），每批最多 N ≤ 100 个号码，对应一次 "
    "SendBatchSms 调用；大陆号码在前，任何一批都不混用大陆与国际号码（两者模板不同）。",
    "call": "客户编号、姓名（明文：外呼人员需称呼客户）、E.164 格式电话。",
    "wecom": "external_userid、openid、unionid：有值的列。",
    "mailchimp": "Email Address 在第一列（Mailchimp 的导入键），然后是 First Name、Last Name。",
    "klaviyo": "同意列按 Klaviyo 帮助中心的命名：Subscribed（已同意）、Unsubscribed（已拒绝）、"
    "Never subscribed（未知）。超过 50 MB 的文件会拆分。",
    "hubspot": "Lifecycle Stage 使用 HubSpot 的内部取值（HUBSPOT_LIFECYCLE）。",
    "meta": "以下各项的 SHA-256 十六进制：邮箱去空格并小写；手机号只留数字、带国家区号、不带 '+'；"
    "名、姓小写并去掉标点与空格（保留各种文字的字母）；国家为小写 ISO-2 代码。",
    "google": "以下各项的 SHA-256 十六进制：规范化邮箱（gmail/googlemail 去掉点和 +后缀）；"
    "带 '+' 的 E.164 手机号；小写、去空格的姓名。国家（ISO-2）和邮编为明文（cimlab 不保存邮编，"
    "邮编为空）。",
    "tencent": "HASH_MOBILE_PHONE：11 位大陆手机号（不带 86）的 MD5 小写十六进制，每行一个。"
    "按需压缩，或文本超过 100 MB（custom_audience_files/add 的上传上限）时压缩；每个压缩包不超过 100 MB。",
    "oceanengine": "压缩的文本，每行是一条 protobuf DmpData 记录的 base64，含一个 IdItem（dataType "
    "MOBILE_HASH_SHA256 = 6，id = 11 位大陆手机号的 SHA-256 小写十六进制）；每个压缩包不超过 50 MB。",
    "excel": "供人阅读：列名使用所选语言，公式已转义。",
    "csv": "与 excel 相同的列，保存为 CSV：UTF-8 带 BOM，公式已转义。",
    "parquet": "每列为校验后的值与类型。",
    "json": "对象数组，UTF-8 不带 BOM，校验后的值。",
}

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "sms",
            "SMS gateway (Aliyun SMS)",
            "短信群发（阿里云短信）",
            {"phone": "sms"},
            hashed=False,
            suffix=".csv",
            columns=("手机号码",),
            description=(
                "手机号码: CN mobiles as 11 digits; other numbers as country code + number "
                "without '+' (Aliyun SMS API docs, SendBatchSms PhoneNumberJson: 国际/港澳台 "
                "'国际区号+号码'). batch=N adds 批次 (1, 2, ...) with at most N ≤ "
                f"{SMS_BATCH_MAX} numbers each, one SendBatchSms call; CN numbers first and "
                "no batch mixes CN and international numbers (their templates differ)."
            ),
        ),
        Profile(
            "call",
            "Call list",
            "电话外呼名单",
            {"phone": "phone"},
            hashed=False,
            suffix=".csv",
            audience="people",
            columns=("customer_id", "name", "phone"),
            description="Customer id, name (in clear: the caller greets the customer), phone E.164.",
        ),
        Profile(
            "wecom",
            "WeCom / WeChat ids",
            "企业微信 / 微信",
            _WECHAT_IDS,
            hashed=False,
            suffix=".csv",
            columns=("external_userid", "openid", "unionid"),
            description="external_userid, openid, unionid: the columns that hold any value.",
        ),
        Profile(
            "mailchimp",
            "Mailchimp audience import",
            "Mailchimp 受众导入",
            {"email": "email"},
            hashed=False,
            suffix=".csv",
            columns=("Email Address", "First Name", "Last Name"),
            description="Email Address first (Mailchimp's import key), then First Name, Last Name.",
        ),
        Profile(
            "klaviyo",
            "Klaviyo list import",
            "Klaviyo 列表导入",
            {"email": "email", "phone": "sms"},
            hashed=False,
            suffix=".csv",
            max_bytes=50 * _MB,
            columns=(
                "Email",
                "Phone Number",
                "First Name",
                "Last Name",
                "Email Marketing Consent",
                "SMS Marketing Consent",
            ),
            description=(
                "Consent columns as Klaviyo's help centre names them ('How to upload and "
                "segment with consent'): Subscribed (consent given), Unsubscribed (refused), "
                "Never subscribed (unknown). Files over 50 MB are split."
            ),
        ),
        Profile(
            "hubspot",
            "HubSpot contacts import",
            "HubSpot 联系人导入",
            {"email": "email"},
            hashed=False,
            suffix=".csv",
            columns=("First Name", "Last Name", "Email", "Lifecycle Stage"),
            description="Lifecycle Stage as HubSpot's internal values (HUBSPOT_LIFECYCLE).",
        ),
        Profile(
            "meta",
            "Meta Custom Audience (customer list)",
            "Meta 自定义受众（客户名单）",
            {"email": "email", "phone": "sms"},
            hashed=True,
            suffix=".csv",
            columns=("email", "phone", "fn", "ln", "country"),
            description=(
                "SHA-256 hex of: email trimmed + lower-cased; phone digits with country code, "
                "no '+'; fn/ln lower-cased, punctuation and spaces removed (letters of any "
                "script kept); country ISO-2 lower-cased (the row's country in any spelling "
                "country_iso2 reads, else the phone's calling code)."
            ),
        ),
        Profile(
            "google",
            "Google Customer Match",
            "Google 客户匹配",
            {"email": "email", "phone": "sms"},
            hashed=True,
            suffix=".csv",
            columns=("Email", "Phone", "First Name", "Last Name", "Country", "Zip"),
            description=(
                "SHA-256 hex of: canonical e-mail (gmail/googlemail dots and +suffix dropped); "
                "phone E.164 with '+'; names lower-cased, trimmed. Country ISO-2 (as for meta) "
                "and Zip in clear (Zip empty: cimlab keeps no postcode)."
            ),
        ),
        Profile(
            "tencent",
            "Tencent Ads customer audience",
            "腾讯广告客户人群（号码包）",
            {"phone": "sms"},
            hashed=True,
            suffix=".txt",
            max_bytes=100 * _MB,
            description=(
                "HASH_MOBILE_PHONE: MD5 lower-case hex of the bare 11-digit CN mobile (no 86), "
                "one per line. Zipped on request or when the text passes 100 MB (the upload "
                "cap of custom_audience_files/add); each zip stays ≤ 100 MB."
            ),
        ),
        Profile(
            "oceanengine",
            "OceanEngine DMP data source",
            "巨量引擎 DMP 数据源",
            {"phone": "sms"},
            hashed=True,
            suffix=".zip",
            max_bytes=50 * _MB,
            description=(
                "Zipped text, one base64 line per protobuf DmpData record holding one IdItem "
                "(dataType MOBILE_HASH_SHA256 = 6, id = SHA-256 lower-case hex of the bare "
                "11-digit CN mobile); each zip ≤ 50 MB."
            ),
        ),
        Profile(
            "excel",
            "Excel workbook",
            "Excel 工作簿",
            _ALL_IDS,
            hashed=False,
            suffix=".xlsx",
            audience="people",
            needs_identifier=False,
            description="For people: column names in the chosen language, formulas escaped.",
        ),
        Profile(
            "csv",
            "CSV for Excel",
            "CSV（Excel 可打开）",
            _ALL_IDS,
            hashed=False,
            suffix=".csv",
            audience="people",
            needs_identifier=False,
            description="The excel columns as CSV: UTF-8 with BOM, formulas escaped.",
        ),
        Profile(
            "parquet",
            "Parquet (machine)",
            "Parquet（程序读取）",
            _ALL_IDS,
            hashed=False,
            suffix=".parquet",
            audience="machine",
            needs_identifier=False,
            description="Every column with its validated value and type.",
        ),
        Profile(
            "json",
            "JSON (machine)",
            "JSON（程序读取）",
            _ALL_IDS,
            hashed=False,
            suffix=".json",
            audience="machine",
            needs_identifier=False,
            description="An array of objects, UTF-8 without BOM, validated values.",
        ),
    )
}

#: Column names of the ``excel`` and ``csv`` profiles: (English, 中文).
_PEOPLE_COLUMNS: dict[str, tuple[str, str]] = {
    "customer_id": ("Customer ID", "客户编号"),
    "name": ("Name", "姓名"),
    "phone": ("Phone", "手机号"),
    "email": ("Email", "邮箱"),
    "country": ("Country", "国家/地区"),
    "region": ("Region", "省份"),
    "city": ("City", "城市"),
    "lifecycle_stage": ("Lifecycle stage", "生命周期阶段"),
    "segment": ("Segment", "客户分群"),
    "wechat_openid": ("WeChat OpenID", "微信 OpenID"),
    "wecom_external_userid": ("WeCom external user ID", "企业微信外部联系人 ID"),
    "wechat_unionid": ("WeChat UnionID", "微信 UnionID"),
}


# --------------------------------------------------------------------------- protobuf


def _varint(n: int) -> bytes:
    """Protobuf base-128 varint: 7 bits per byte, low bits first, high bit = more follows."""
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field_number: int, wire_type: int) -> bytes:
    return _varint(field_number << 3 | wire_type)


def _length_delimited(field_number: int, payload: bytes) -> bytes:
    return _key(field_number, 2) + _varint(len(payload)) + payload


def dmp_record(id_value: str, data_type: int = DMP_MOBILE_HASH_SHA256) -> bytes:
    """One OceanEngine DMP ``DmpData`` record with one ``IdItem``, serialised (protobuf 2).

    The message definition (OceanEngine's ``toutiao.dmp`` proto, as published in the
    ``bububa/oceanengine`` SDK, ``marketing-api/model/dmp/datasource/dmp.proto``)::

        message DmpData { repeated IdItem idList = 1; }
        message IdItem {
            optional uint32 timestamp = 1;   // unset: the upload time
            required DataType dataType = 2;  // MOBILE_HASH_SHA256 = 6
            required string id = 3;          // lower case
            repeated string tags = 4;
        }

    Each line of a data-source file is the base64 of one ``DmpData``.

    Examples
    --------
    >>> dmp_record("ab").hex(" ")
    '0a 06 10 06 1a 02 61 62'
    """
    item = _key(2, 0) + _varint(data_type) + _length_delimited(3, id_value.encode("utf-8"))
    return _length_delimited(1, item)


def _dmp_lines(hashes: pl.Expr) -> pl.Expr:
    """base64 of :func:`dmp_record` for 64-character ids, vectorised.

    Every record for a 64-character id starts with the same 6 bytes (all ASCII), so the
    record is that prefix + the id, base64-encoded by Polars.
    """
    prefix = dmp_record("0" * 64)[:-64]
    assert prefix.isascii()
    return (pl.lit(prefix.decode("ascii")) + hashes).str.encode("base64")


# --------------------------------------------------------------------------- preparing


def _valid_e164(phone: pl.Expr) -> pl.Expr:
    """The phone when it is E.164 (the rows' contract); anything else, masked and virtual
    numbers included, is no phone. Cheaper than normalising again."""
    value = phone.str.strip_chars()
    return pl.when(value.str.contains(r"^\+[1-9][0-9]{6,14}$")).then(value)


def _prepared(rows: pl.DataFrame) -> pl.LazyFrame:
    """The rows with every :data:`ROW_SCHEMA` column and the validated keys (``_*``)."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in ROW_SCHEMA.items() if c not in rows]
    frame = (
        rows.lazy().with_columns(missing).select(pl.col(c).cast(t) for c, t in ROW_SCHEMA.items())
    )
    phone = pl.col("_e164")
    ids = [pl.col(k).str.strip_chars() for k in _WECHAT_IDS]
    return (
        frame.with_columns(pl.when(i != "").then(i) for i in ids)
        .with_columns(
            _e164=_valid_e164(pl.col("phone")),
            _email=normalize_email(pl.col("email")),
            _email_canonical=canonical_email_expr(pl.col("email")),
            _names=split_name_expr(pl.col("name")),
        )
        .with_columns(
            _cn=cn_mobile_digits_expr(phone),
            _phone_digits=phone_digits_with_country_expr(phone),
            _country=pl.coalesce(
                country_iso2_expr(pl.col("country")), country_from_e164_expr(phone)
            ),
            _first=pl.col("_names").struct.field("first"),
            _last=pl.col("_names").struct.field("last"),
        )
        .drop("_names")
    )


def _meta_name(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"[^\p{L}\p{M}]", "")


def _klaviyo_consent(col: str) -> pl.Expr:
    value = pl.col(col)
    return (
        pl.when(value).then(pl.lit("Subscribed")).when(~value).then(pl.lit("Unsubscribed"))
    ).otherwise(pl.lit("Never subscribed"))


def _hashed(expr: pl.Expr, algorithm: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    return algorithm(pl.when(expr != "").then(expr))


@dataclass(frozen=True)
class _Plan:
    """How a profile selects its rows and columns."""

    keep: pl.Expr
    table: Callable[[pl.LazyFrame], pl.LazyFrame]


def _plans(lang: str, batch: int | None) -> dict[str, _Plan]:
    c = pl.col
    has_phone = c("_e164").is_not_null()
    has_email = c("_email").is_not_null()
    has_wechat = pl.any_horizontal(c(k).is_not_null() for k in _WECHAT_IDS)

    def sms(lf: pl.LazyFrame) -> pl.LazyFrame:
        out = lf.select(
            手机号码=pl.coalesce(c("_cn"), c("_phone_digits")), _abroad=c("_cn").is_null()
        )
        if batch is None:
            return out.drop("_abroad")
        # CN numbers first; batches never mix CN and international numbers
        abroad = c("_abroad")
        cn_batches = ((~abroad).sum() + batch - 1) // batch
        within = pl.int_range(pl.len()).over("_abroad") // batch + 1
        number = pl.when(abroad).then(cn_batches + within).otherwise(within)
        return (
            out.sort("_abroad", maintain_order=True)
            .with_columns(批次=number.cast(pl.Int64))
            .drop("_abroad")
        )

    def people(lf: pl.LazyFrame) -> pl.LazyFrame:
        index = 1 if lang == "zh" else 0
        values = lf.with_columns(phone=c("_e164"), email=c("_email"))
        return values.select(c(k).alias(names[index]) for k, names in _PEOPLE_COLUMNS.items())

    def machine(lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.with_columns(phone=c("_e164"), email=c("_email")).select(list(ROW_SCHEMA))

    return {
        "sms": _Plan(has_phone, sms),
        "call": _Plan(
            has_phone,
            lambda lf: lf.select(
                c("customer_id").alias("客户编号" if lang == "zh" else "customer_id"),
                c("name").alias("姓名" if lang == "zh" else "name"),
                c("_e164").alias("电话" if lang == "zh" else "phone"),
            ),
        ),
        "wecom": _Plan(
            has_wechat,
            lambda lf: lf.select(
                external_userid=c("wecom_external_userid"),
                openid=c("wechat_openid"),
                unionid=c("wechat_unionid"),
            ),
        ),
        "mailchimp": _Plan(
            has_email,
            lambda lf: lf.select(
                c("_email").alias("Email Address"),
                c("_first").alias("First Name"),
                c("_last").alias("Last Name"),
            ),
        ),
        "klaviyo": _Plan(
            has_email | has_phone,
            lambda lf: lf.select(
                c("_email").alias("Email"),
                c("_e164").alias("Phone Number"),
                c("_first").alias("First Name"),
                c("_last").alias("Last Name"),
                pl.when(has_email)
                .then(_klaviyo_consent("consent_email"))
                .alias("Email Marketing Consent"),
                pl.when(has_phone)
                .then(_klaviyo_consent("consent_sms"))
                .alias("SMS Marketing Consent"),
            ),
        ),
        "hubspot": _Plan(
            has_email,
            lambda lf: lf.select(
                c("_first").alias("First Name"),
                c("_last").alias("Last Name"),
                c("_email").alias("Email"),
                c("lifecycle_stage")
                .replace_strict(HUBSPOT_LIFECYCLE, default=None, return_dtype=pl.String)
                .alias("Lifecycle Stage"),
            ),
        ),
        "meta": _Plan(
            has_email | has_phone,
            lambda lf: lf.select(
                _hashed(c("_email"), sha256_hex_expr).alias("email"),
                _hashed(c("_phone_digits"), sha256_hex_expr).alias("phone"),
                _hashed(_meta_name(c("_first")), sha256_hex_expr).alias("fn"),
                _hashed(_meta_name(c("_last")), sha256_hex_expr).alias("ln"),
                _hashed(c("_country").str.to_lowercase(), sha256_hex_expr).alias("country"),
            ),
        ),
        "google": _Plan(
            has_email | has_phone,
            lambda lf: lf.select(
                _hashed(c("_email_canonical"), sha256_hex_expr).alias("Email"),
                _hashed(c("_e164"), sha256_hex_expr).alias("Phone"),
                _hashed(c("_first").str.to_lowercase().str.strip_chars(), sha256_hex_expr).alias(
                    "First Name"
                ),
                _hashed(c("_last").str.to_lowercase().str.strip_chars(), sha256_hex_expr).alias(
                    "Last Name"
                ),
                c("_country").alias("Country"),
                pl.lit(None, dtype=pl.String).alias("Zip"),
            ),
        ),
        "tencent": _Plan(c("_cn").is_not_null(), lambda lf: lf.select(line=md5_hex_expr(c("_cn")))),
        "oceanengine": _Plan(
            c("_cn").is_not_null(),
            lambda lf: lf.select(line=_dmp_lines(sha256_hex_expr(c("_cn")))),
        ),
        "excel": _Plan(pl.lit(True), people),
        "csv": _Plan(pl.lit(True), people),
        "parquet": _Plan(pl.lit(True), machine),
        "json": _Plan(pl.lit(True), machine),
    }


# --------------------------------------------------------------------------- bytes


#: Columns holding only lower-case hex digests: nothing a spreadsheet could run, no escaping.
_HEX_COLUMNS = frozenset({"email", "phone", "fn", "ln", "country", "Email", "Phone", "First Name", "Last Name"})  # fmt: skip


def _platform_csv(table: pl.DataFrame, *, hashed: bool = False) -> bytes:
    """UTF-8 CSV without BOM, formulas escaped (the header row is the profile's own); the hex
    columns of a hashed profile are written as they are."""
    clear = [c for c in table.columns if not (hashed and c in _HEX_COLUMNS)]
    buffer = io.BytesIO()
    table.with_columns(escape_formulas(table.select(clear))).write_csv(buffer)
    return buffer.getvalue()


def _lines(table: pl.DataFrame) -> bytes:
    """One value per line (hex or base64: nothing to quote)."""
    buffer = io.BytesIO()
    table.select("line").write_csv(buffer, include_header=False, quote_style="never")
    return buffer.getvalue()


def _zipped(name: str, data: bytes) -> bytes:
    """One file in a ZIP (deflated, fixed timestamp: the same list gives the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data, compresslevel=1)  # hex and base64: level 1 is ~2x faster
    return buffer.getvalue()


def _serializer(profile: Profile, fmt: str, entry: str) -> Callable[[pl.DataFrame], bytes]:
    if profile.audience == "people":
        return lambda t: table_bytes(t, "xlsx" if fmt == "xlsx" else "csv")
    if fmt == "parquet":
        return lambda t: table_bytes(t, "parquet")
    if fmt == "json":
        return lambda t: t.write_json().encode("utf-8")
    if profile.name in ("tencent", "oceanengine"):
        if fmt == "zip":
            return lambda t: _zipped(entry, _lines(t))
        return _lines
    return lambda t: _platform_csv(t, hashed=profile.hashed)


def _split(
    table: pl.DataFrame, serialize: Callable[[pl.DataFrame], bytes], cap: int | None
) -> list[tuple[int, bytes]]:
    """``table`` as one or more files of at most ``cap`` bytes each (rows never cut)."""
    data = serialize(table)
    if cap is None or len(data) <= cap or table.height <= 1:
        if cap is not None and len(data) > cap:
            raise ValueError(f"one row needs {len(data):,} bytes, more than max_bytes={cap:,}.")
        return [(table.height, data)]
    parts: list[tuple[int, bytes]] = []
    per_part = max(1, int(table.height * cap / len(data)))
    start = 0
    while start < table.height:
        n = min(per_part, table.height - start)
        chunk = serialize(table.slice(start, n))
        while len(chunk) > cap:
            if n == 1:
                raise ValueError(
                    f"one row needs {len(chunk):,} bytes, more than max_bytes={cap:,}."
                )
            n = max(1, min(n - 1, int(n * cap / len(chunk))))
            chunk = serialize(table.slice(start, n))
        parts.append((n, chunk))
        start += n
    return parts


def render(
    profile: str,
    rows: pl.DataFrame,
    out: Path,
    *,
    lang: str = "en",
    batch: int | None = None,
    zipped: bool = False,
    max_bytes: int | None = None,
) -> Rendered:
    """The file(s) of ``profile`` for the export ``rows``, and the counts to report.

    Parameters
    ----------
    profile
        A name of :data:`PROFILES`.
    rows
        One row per customer, already suppressed (:data:`ROW_SCHEMA`; missing columns null).
    out
        The file asked for. Its suffix becomes the format's (``.csv``, ``.xlsx``, ``.zip``...);
        a split export writes ``<stem>-part1<suffix>``, ``-part2``... beside it.
    lang
        ``"en"`` or ``"zh"``: column names of the files for people (``call``, ``excel``,
        ``csv``).
    batch
        ``sms`` only: add a ``批次`` column numbering batches of at most ``batch`` (≤ 100)
        numbers, one Aliyun ``SendBatchSms`` call each.
    zipped
        ``tencent`` only: write a ZIP instead of TXT (``oceanengine`` is always zipped; each
        ZIP holds one text file named ``<stem>.txt``).
    max_bytes
        Size cap per file; the profile's platform cap by default (:attr:`Profile.max_bytes`).

    Returns
    -------
    Rendered
        ``files`` (nothing is written here), ``rows_written``, ``rows_without_identifier``.

    Examples
    --------
    >>> rows = pl.DataFrame({"email": ["Ann@X.com"], "name": ["Ann Lee"]})
    >>> render("mailchimp", rows, Path("a.csv")).files[0].data.decode()
    'Email Address,First Name,Last Name\\nann@x.com,Ann,Lee\\n'
    """
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r} is not known; choose one of {sorted(PROFILES)}.")
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r} should be 'en' or 'zh'.")
    if batch is not None and (profile != "sms" or not 1 <= batch <= SMS_BATCH_MAX):
        raise ValueError(
            f"batch={batch!r} applies to the sms profile only, between 1 and {SMS_BATCH_MAX}."
        )
    if zipped and profile != "tencent":
        raise ValueError(f"zipped=True applies to the tencent profile only (not {profile!r}).")
    if max_bytes is not None and max_bytes < 1:
        raise ValueError(f"max_bytes={max_bytes} should be >= 1.")
    spec = PROFILES[profile]
    cap = max_bytes if max_bytes is not None else spec.max_bytes
    plan = _plans(lang, batch)[profile]
    prepared = _prepared(rows)
    kept = prepared.filter(plan.keep) if spec.needs_identifier else prepared
    table = plan.table(kept).collect()
    if profile == "wecom" and table.height:  # the id columns present
        table = table.select(c for c in table.columns if table[c].null_count() < table.height)
    left_out = rows.height - table.height

    out = Path(out)
    fmt = spec.suffix.lstrip(".")
    if profile == "tencent" and (zipped or (cap is not None and len(_lines(table)) > cap)):
        fmt = "zip"
    suffix = f".{fmt}"
    serialize = _serializer(spec, fmt, f"{out.stem}.txt")
    parts = _split(table, serialize, cap)
    if len(parts) == 1:
        paths = [out.with_suffix(suffix)]
    else:
        paths = [out.with_name(f"{out.stem}-part{i}{suffix}") for i in range(1, len(parts) + 1)]
    files = tuple(
        ExportFile(path=p, data=data, rows=n, fmt=fmt)
        for p, (n, data) in zip(paths, parts, strict=True)
    )
    return Rendered(
        profile=profile,
        files=files,
        rows_written=table.height,
        rows_without_identifier=left_out,
    )
