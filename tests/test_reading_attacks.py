"""Hostile and broken files: refused while streaming, with a clear message, and nothing stored.

Each test reproduces an attack of issue 9 at a size CI can afford, by scaling the limits down
(:class:`cimlab.ingest.reading.ReadLimits`) instead of the file up.
"""

from __future__ import annotations

import gzip
import io
import json

import polars as pl
import pytest

from cimlab.errors import CimlabError, DataFileError
from cimlab.ingest import reading
from cimlab.ingest.importer import check_bytes, check_file, import_file, validate_file
from cimlab.ingest.reading import LINE, ReadLimits, iter_file_chunks, read_bytes, read_file
from cimlab.workspace import Workspace

ORDERS_HEADER = "order_id,order_date,amount,currency\n"


def orders_csv(n: int, *, start: int = 1) -> str:
    return ORDERS_HEADER + "".join(
        f"A{i},2024-01-05,{i % 90 + 1},CNY\n" for i in range(start, start + n)
    )


def assert_nothing_stored(ws: Workspace) -> None:
    assert ws.batches().is_empty()
    assert ws.table("orders").is_empty()
    assert ws.quarantine().is_empty()


# --------------------------------------------------------------------------- limits


def test_limits_come_from_the_environment_and_bad_values_are_named():
    assert ReadLimits.from_env({"CIMLAB_MAX_FIELD_BYTES": "100"}).max_field_bytes == 100
    with pytest.raises(CimlabError, match="CIMLAB_MAX_COLUMNS='many'"):
        ReadLimits.from_env({"CIMLAB_MAX_COLUMNS": "many"})
    with pytest.raises(ValueError, match="max_columns=0"):
        ReadLimits(max_columns=0)


# --------------------------------------------------------------------------- bombs


def test_gzip_expanding_past_the_limit_is_refused_and_nothing_is_stored(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(orders_csv(40_000).encode()))  # ~1.1 MB of text
    limits = ReadLimits(max_decompressed_bytes=256 << 10)
    with pytest.raises(DataFileError, match=r"orders\.csv: expands to more than 256 KB"):
        read_file(path, limits=limits)
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(DataFileError, match="decompression bomb"):
        import_file(ws, path, table="orders", channel="shop", limits=limits, chunk_bytes=4096)
    assert_nothing_stored(ws)


def test_gzip_bomb_ratio_is_refused_early(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "_RATIO_GRACE", 1 << 20)
    path = tmp_path / "zeros.csv.gz"
    # 64 MB of one repeated row compress ~1000x: a bomb by its ratio, long before its size
    row = b"A1,2024-01-05,1,CNY\n"
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz:
        gz.write(ORDERS_HEADER.encode())
        for _ in range(64):
            gz.write(row * ((1 << 20) // len(row)))
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DataFileError, match="expands more than 200×"):
        validate_file(path, table="orders", channel="shop")


def test_gzip_of_one_endless_line_is_refused_by_the_row_limit(tmp_path):
    path = tmp_path / "line.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"x" * (3 << 20)))
    with pytest.raises(DataFileError, match=r"line 2: has a line longer than 1\.0 MB"):
        read_file(path, limits=ReadLimits(max_row_bytes=1 << 20))


def test_damaged_gzip_is_a_file_error(tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(orders_csv(2000).encode())[:-200])
    with pytest.raises(DataFileError, match="not a readable gzip file"):
        read_file(path)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_an_endless_row_is_refused_before_openpyxl_builds_it():
    data = xlsx_bytes([["id", "name"], ["1", *(["x"] * 5000)]])
    with pytest.raises(DataFileError, match="a row with more than 1,000 cells"):
        read_bytes(data, name="wide.xlsx", limits=ReadLimits(max_columns=1000))


def test_xlsx_cells_per_sheet_are_capped():
    data = xlsx_bytes([["id", "name"]] + [[str(i), "n"] for i in range(400)])
    with pytest.raises(DataFileError, match="more than 500 cells"):
        read_bytes(data, name="big.xlsx", limits=ReadLimits(max_cells_per_sheet=500))
    assert read_bytes(data, name="big.xlsx").frame.height == 400


def test_xlsx_parts_are_capped_by_decompressed_size():
    data = xlsx_bytes([["id", "note"]] + [[str(i), "y" * 200] for i in range(2000)])
    with pytest.raises(DataFileError, match="expands to more than 64 KB"):
        read_bytes(data, name="notes.xlsx", limits=ReadLimits(max_decompressed_bytes=64 << 10))


def test_too_many_columns_are_refused():
    header = ",".join(f"c{i}" for i in range(300))
    with pytest.raises(DataFileError, match="300 columns, more than the limit of 100"):
        read_bytes((header + "\n").encode(), name="wide.csv", limits=ReadLimits(max_columns=100))


def test_a_huge_value_is_refused_naming_line_and_column(tmp_path):
    name = "林" * 30_000  # 90 KB of UTF-8
    text = "id,name\n1,王芳\n2," + name + "\n"
    with pytest.raises(DataFileError, match=r"line 3: column 'name' holds a value of 88 KB"):
        read_bytes(text.encode(), name="members.csv")
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(DataFileError, match="more than the limit of 64 KB per value"):
        import_file(ws, path, table="customers", channel="shop", mapping="generic_en")
    assert ws.batches().is_empty() and ws.table("customers").is_empty()


def test_json_values_and_parquet_values_are_capped_too(tmp_path):
    record = json.dumps([{"id": "1", "note": "z" * 2000}])
    with pytest.raises(DataFileError, match="column 'note' holds a value of 2 KB"):
        read_bytes(record.encode(), name="x.json", limits=ReadLimits(max_field_bytes=1024))
    path = tmp_path / "x.parquet"
    pl.DataFrame({"id": ["1"], "note": ["z" * 2000]}).write_parquet(path)
    with pytest.raises(DataFileError, match="column 'note' holds a value of 2 KB"):
        read_file(path, limits=ReadLimits(max_field_bytes=1024))


# --------------------------------------------------------------------------- json nesting


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"[" * 100_000, "deep.json"),
        (b"[" * 100_000 + b"]" * 100_000, "deep.json"),
        (b'{"id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "deep.ndjson"),
        (json.dumps([{"id": "1", "x": json.loads("[" * 80 + "]" * 80)}]).encode(), "a.json"),
        (b'{"orders": ' + b"[" * 5000 + b"]" * 5000 + b"}", "holder.json"),
    ],
)
def test_deeply_nested_json_is_a_file_error_not_a_crash(data, name):
    with pytest.raises(DataFileError, match="nests JSON arrays or objects more than 64 levels"):
        read_bytes(data, name=name)


def test_truncated_or_broken_json_arrays_name_the_line():
    with pytest.raises(DataFileError, match="never closes"):
        read_bytes(b'[{"id": "1"},\n{"id": "2"}', name="cut.json")
    with pytest.raises(DataFileError, match=r"line 3: is not valid JSON"):
        read_bytes(b'[{"id": "1"},\n{"id": "2"},\n{"id": 3,,}]', name="bad.json")


def test_a_large_json_array_streams_in_chunks(tmp_path):
    path = tmp_path / "orders.json"
    records = [
        {"order_id": f"A{i}", "order_date": "2024-01-05", "amount": i, "currency": "CNY"}
        for i in range(1, 3001)
    ]
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")
    chunks = list(iter_file_chunks(path, chunk_rows=1000))
    assert [c.frame.height for c in chunks] == [1000, 1000, 1000]
    assert chunks[2].frame[LINE][0] == 2002
    assert read_file(path).frame.height == 3000


# --------------------------------------------------------------------------- encodings


def test_utf8_rows_in_a_gbk_file_are_quarantined_never_stored_as_mojibake(tmp_path):
    rows = [f"{i},张三{i},上海" for i in range(1, 8)]
    data = "会员卡号,姓名,城市\n".encode("gbk") + b"".join(
        (r + "\n").encode("gbk") for r in rows[:3]
    )
    data += "8,王五,北京\n".encode()  # pasted from a UTF-8 file
    data += b"".join((r + "\n").encode("gbk") for r in rows[3:])
    raw = read_bytes(data, name="members.csv")
    assert raw.encoding == "gbk"
    assert "鐜嬩簲" not in raw.frame.to_pandas().to_string()
    assert raw.rejected.select("line", "value").rows() == [(5, "8,王五,北京")]
    assert "UTF-8 text but the rest of the file is GBK" in raw.rejected["reason"][0]
    assert raw.rows_read == 8 and raw.frame.height == 7
    path = tmp_path / "members.csv"
    path.write_bytes(data)
    ws = Workspace.open(tmp_path / "ws")
    result = import_file(ws, path, table="customers", channel="store", mapping="generic_zh")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 7, 1)
    names = ws.table("customers")["name"].to_list()
    assert "王五" not in names and "鐜嬩簲" not in names
    assert ws.quarantine()["line"].to_list() == [5]


def test_gbk_rows_in_a_utf8_file_are_quarantined():
    data = b"id,name\n" + "1,张三\n2,李四\n".encode() + "3,王五\n".encode("gbk")
    raw = read_bytes(data, name="m.csv")
    assert raw.encoding == "utf-8"
    assert raw.frame.rows() == [(2, "1", "张三"), (3, "2", "李四")]
    assert raw.rejected.select("line", "value").rows() == [(4, "3,王五")]
    assert raw.notes and "mixed encodings" in raw.notes[0]


def test_mixed_encodings_in_json_are_refused_naming_the_lines():
    data = '[{"name": "张三"},\n'.encode() + '{"name": "王五"}]\n'.encode("gbk")
    with pytest.raises(DataFileError, match=r"mixes encodings: line\(s\) 2 are GB"):
        read_bytes(data, name="m.json")


# --------------------------------------------------------------------------- structure


def test_an_extra_field_on_the_first_data_row_is_quarantined_like_on_any_row():
    for position in (0, 1, 2):
        rows = ["A1,2024-01-05,99,CNY", "A2,2024-01-06,5,CNY", "A3,2024-01-06,5,CNY"]
        rows[position] += ",EXTRA"
        report = check_bytes(
            (ORDERS_HEADER + "\n".join(rows) + "\n").encode(),
            name="o.csv",
            table="orders",
            channel="shop",
        )
        assert (report.rows_loaded, report.rows_quarantined) == (2, 1)
        assert report.quarantine["line"].to_list() == [position + 2]
        assert report.quarantine["reason"][0].startswith("too many fields: 5 found, 4 expected")


def test_short_and_long_rows_in_the_first_line_of_a_later_chunk(tmp_path):
    path = tmp_path / "o.csv"
    lines = orders_csv(30).splitlines()
    lines[11] += ",EXTRA"
    lines[21] = "A21,2024-01-05"
    path.write_text("\n".join(lines) + "\n")
    whole = check_file(path, table="orders", channel="shop")
    part = validate_file(path, table="orders", channel="shop", chunk_bytes=250)
    assert whole.quarantine["line"].to_list() == part.quarantine["line"].to_list() == [12, 22]
