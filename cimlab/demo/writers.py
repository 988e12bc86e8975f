"""The bytes of a demo file: CSV (any encoding and delimiter), NDJSON, a JSON array, XLSX."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime

from cimlab.demo.tables import Table


def csv_bytes(table: Table, *, encoding: str, delimiter: str = ",", newline: str = "\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return buf.getvalue().encode(encoding)


def ndjson_bytes(table: Table) -> bytes:
    lines = [
        json.dumps(dict(zip(table.header, r, strict=True)), ensure_ascii=False) for r in table.rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def json_array_bytes(table: Table) -> bytes:
    objs = [
        json.dumps(dict(zip(table.header, r, strict=True)), ensure_ascii=False) for r in table.rows
    ]
    return ("[\n" + ",\n".join(objs) + "\n]\n").encode("utf-8")


def xlsx_bytes(table: Table, *, sheet: str, notes: list[list[str]], as_of: date) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(table.header)
    when_col = table.header.index("成为客户时间") + 1
    for row in table.rows:
        ws.append([None if v == "" else v for v in row])
    for cell in ws.iter_cols(min_col=when_col, max_col=when_col, min_row=2):
        for c in cell:
            c.number_format = "yyyy-mm-dd hh:mm:ss"
    hidden = wb.create_sheet("说明")
    for note in notes:
        hidden.append(note)
    hidden.sheet_state = "hidden"
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.creator = "cimlab demo"
    wb.properties.created = stamp
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps "modified" with the clock and zip entries with the local time: pin both.
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + modified.encode() + rb"\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    return out.getvalue()
