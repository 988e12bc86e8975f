"""Write the demo files, ``manifest.yaml`` and ``_truth/`` (:func:`generate_demo_files`)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from cimlab.demo.exports import ChannelExports, Output
from cimlab.demo.manifest import DemoFile, Manifest
from cimlab.demo.tables import break_all
from cimlab.demo.truth import write_truth
from cimlab.demo.writers import csv_bytes, json_array_bytes, ndjson_bytes, xlsx_bytes


def generate_demo_files(
    out_dir: Path, *, seed: int = 7, people: int = 5000, as_of: date = date(2026, 6, 30)
) -> Manifest:
    """Write the demo channel exports, ``manifest.yaml`` and ``_truth/`` into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing; files of the same names are overwritten).
    seed
        Seed of the single random stream: the same seed gives byte-identical files.
    people
        Number of fictional people (at least 100).
    as_of
        The data covers the two years before this day.

    Returns
    -------
    Manifest
        The files in import order, each with its table, channel, mapping preset, encoding and
        the rows broken on purpose; also written to ``out_dir/manifest.yaml``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     manifest = generate_demo_files(Path(tmp), people=200)
    ...     manifest.file("tmall_orders.csv").encoding
    'gbk'
    """
    if people < 100:
        raise ValueError(f"people={people} should be >= 100 (bad rows need rows to break).")
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    demo = ChannelExports(rng, people, as_of)
    tables = {
        "online_shop_customers": demo.online_customers(),
        "wechat_members": demo.wechat_members(),
        "store_members": demo.store_members(),
        "online_shop_orders": demo.online_orders(),
        "tmall_orders": demo.tmall_orders(),
        "wechat_orders": demo.wechat_orders(),
        "store_sales": demo.store_sales(),
        "call_centre_interactions": demo.interactions(),
        "feedback_survey": demo.feedback(),
        "online_shop_survey": demo.online_survey(),
        "wechat_survey": demo.wechat_survey(),
        "store_survey": demo.store_survey(),
        "call_centre_contacts": demo.call_centre_contacts(),
        "tmall_members": demo.tmall_members(),
    }
    break_all(rng, tables)
    for table in tables.values():
        table.bad.sort(key=lambda b: b.line)

    def out(name: str, path: str, table: str, channel: str, mapping: str, encoding: str | None,
            fmt: str, data: bytes, **kw: Any) -> Output:  # fmt: skip
        t = tables[name]
        return Output(path, table, channel, mapping, encoding, fmt, data, len(t.rows), t.bad, **kw)

    notes = [
        ["说明", "本文件为演示数据，人物与订单均为虚构。"],
        ["导出时间", f"{as_of.isoformat()} 09:00:00"],
        ["来源", "微信小程序商城 / 有赞 会员导出"],
        ["备注", "手机号为会员绑定手机；成为客户时间为北京时间。"],
    ]
    outputs = [
        out("online_shop_customers", "online_shop_customers.csv", "customers", "online_shop",
            "generic_en", "utf-8", "csv", csv_bytes(tables["online_shop_customers"], encoding="utf-8"),
            delimiter=","),
        out("wechat_members", "wechat_members.xlsx", "customers", "wechat", "wechat_members", None,
            "xlsx", xlsx_bytes(tables["wechat_members"], sheet="会员", notes=notes, as_of=as_of),
            sheet="会员"),
        out("store_members", "store_members.csv", "customers", "offline_store", "generic_zh",
            "gb18030", "csv", csv_bytes(tables["store_members"], encoding="gb18030", newline="\r\n"),
            delimiter=","),
        out("call_centre_contacts", "call_centre_contacts.csv", "customers", "call_centre",
            "generic_en", "utf-8", "csv", csv_bytes(tables["call_centre_contacts"], encoding="utf-8"),
            delimiter=","),
        out("tmall_members", "tmall_members.csv", "customers", "tmall", "tmall_members", "gbk",
            "csv", csv_bytes(tables["tmall_members"], encoding="gbk", newline="\r\n"),
            delimiter=","),
        out("online_shop_orders", "online_shop_orders.csv", "orders", "online_shop", "generic_en",
            "utf-8", "csv", csv_bytes(tables["online_shop_orders"], encoding="utf-8"), delimiter=","),
        out("tmall_orders", "tmall_orders.csv", "orders", "tmall", "taobao_orders", "gbk", "csv",
            csv_bytes(tables["tmall_orders"], encoding="gbk", newline="\r\n"), delimiter=","),
        out("wechat_orders", "wechat_orders.ndjson", "orders", "wechat", "generic_en", "utf-8",
            "ndjson", ndjson_bytes(tables["wechat_orders"])),
        out("store_sales", "store_sales.csv", "orders", "offline_store", "generic_zh", "utf-8-sig",
            "csv", csv_bytes(tables["store_sales"], encoding="utf-8-sig", delimiter=";"),
            delimiter=";"),
        out("call_centre_interactions", "call_centre_interactions.csv", "interactions",
            "call_centre", "generic_en", "utf-8", "csv",
            csv_bytes(tables["call_centre_interactions"], encoding="utf-8"), delimiter=","),
        out("feedback_survey", "feedback_survey.json", "feedback", "call_centre", "generic_en",
            "utf-8", "json", json_array_bytes(tables["feedback_survey"])),
        out("online_shop_survey", "online_shop_survey.csv", "feedback", "online_shop",
            "generic_en", "utf-8", "csv", csv_bytes(tables["online_shop_survey"], encoding="utf-8"),
            delimiter=","),
        out("wechat_survey", "wechat_survey.csv", "feedback", "wechat", "generic_zh", "utf-8-sig",
            "csv", csv_bytes(tables["wechat_survey"], encoding="utf-8-sig"), delimiter=","),
        out("store_survey", "store_survey.csv", "feedback", "offline_store", "generic_zh", "gbk",
            "csv", csv_bytes(tables["store_survey"], encoding="gbk", newline="\r\n"),
            delimiter=","),
    ]  # fmt: skip

    truth_dir = out_dir / "_truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    for o in outputs:
        (out_dir / o.path).write_bytes(o.data)
        files.append(
            DemoFile(
                path=o.path,
                table=o.table,
                channel=o.channel,
                mapping=o.mapping,
                encoding=o.encoding,
                format=o.format,
                rows=o.rows,
                sha256=hashlib.sha256(o.data).hexdigest(),
                expected_bad_rows=tuple(o.bad),
                delimiter=o.delimiter,
                sheet=o.sheet,
            )
        )
    write_truth(truth_dir, demo)
    manifest = Manifest(
        seed=seed,
        people=people,
        as_of=as_of,
        files=tuple(files),
        truth={"identities": "_truth/identities.csv", "people": "_truth/people.csv"},
    )
    text = yaml.safe_dump(manifest.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    (out_dir / "manifest.yaml").write_bytes(text.encode("utf-8"))
    return manifest
