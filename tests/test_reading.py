"""Reading files into raw string tables: encodings, delimiters, structure, formats."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.errors import DataFileError
from cimlab.ingest.reading import LINE, decode_bytes, detect_delimiter, read_bytes, read_file


def frame(lines: list[int], **columns: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {LINE: lines, **columns},
        schema={LINE: pl.Int64, **dict.fromkeys(columns, pl.String)},
    )


# --------------------------------------------------------------------------- encodings


def test_gbk_file_is_decoded_as_gbk():
    data = "会员卡号,姓名\n0001,林小明\n".encode("gbk")
    raw = read_bytes(data, name="members.csv")
    assert raw.encoding == "gbk"
    assert_frame_equal(raw.frame, frame([2], 会员卡号=["0001"], 姓名=["林小明"]))


def test_gb18030_only_characters_are_reported_as_gb18030():
    # 㐀 (U+3400) is in GB18030 but not in GBK
    data = "name\n㐀明\n".encode("gb18030")
    text, encoding = decode_bytes(data)
    assert (text, encoding) == ("name\n㐀明\n", "gb18030")


def test_mostly_ascii_gbk_file_with_one_chinese_name():
    rows = "\n".join(f"{i},Customer {i},{i * 10}" for i in range(1, 2000))
    data = ("id,name,amount\n" + rows + "\n2000,王芳,5\n").encode("gbk")
    raw = read_bytes(data, name="mostly_ascii.csv")
    assert raw.encoding == "gbk"
    assert raw.frame.row(-1) == (2001, "2000", "王芳", "5")


def test_utf8_chinese_is_never_decoded_as_gb18030():
    data = "姓名,城市\n张三,上海\n".encode()
    raw = read_bytes(data, name="utf8.csv")
    assert raw.encoding == "utf-8"
    assert raw.frame.row(0) == (2, "张三", "上海")


def test_utf8_bom_is_removed_from_the_first_header():
    raw = read_bytes("\ufeffid,name\n1,A\n".encode(), name="bom.csv")
    assert raw.encoding == "utf-8-sig"
    assert raw.headers == ("id", "name")


def test_utf16_with_bom_is_decoded():
    raw = read_bytes("id\tname\n1\t李雷\n".encode("utf-16"), name="u16.txt")
    assert (raw.encoding, raw.delimiter) == ("utf-16", "\t")
    assert raw.frame.row(0) == (2, "1", "李雷")


def test_utf16_without_bom_is_rejected_cleanly():
    with pytest.raises(DataFileError, match="NUL bytes"):
        read_bytes("id,name\n1,A\n".encode("utf-16-le"), name="u16.csv")


def test_binary_junk_is_rejected_naming_the_file():
    junk = bytes(range(256)) * 20
    with pytest.raises(DataFileError, match=r"^junk\.csv: .*binary"):
        read_bytes(junk, name="junk.csv")


def test_undecodable_text_is_rejected_not_garbled():
    data = b"id,name\n1,\x80\xff\xfe\n"
    with pytest.raises(DataFileError, match="neither UTF-8 nor GBK") as info:
        read_bytes(data, name="bad.csv")
    assert info.value.line == 2


def test_xlsx_renamed_csv_is_read_as_a_workbook():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id", "amount"])
    book.active.append(["00123", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)
    raw = read_bytes(buffer.getvalue(), name="orders.csv")
    assert raw.format == "xlsx"
    assert raw.frame.rows() == [(2, "00123", "12.5")]
    assert any("Excel workbook" in note for note in raw.notes)


def test_old_xls_is_rejected_with_advice():
    with pytest.raises(DataFileError, match=r"\.xls"):
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="old.xls")


# --------------------------------------------------------------------------- structure


def test_too_few_fields_are_rejected_not_null_padded():
    raw = read_bytes(b"a,b,c\n1,2,3\n4,5\n6,,\n", name="few.csv")
    assert_frame_equal(raw.frame, frame([2, 4], a=["1", "6"], b=["2", ""], c=["3", ""]))
    assert raw.rejected.select("line", "value").rows() == [(3, "4,5")]
    assert "too few fields: 2 found, 3 expected" in raw.rejected["reason"][0]
    assert raw.rows_read == 3


def test_a_short_first_row_does_not_change_the_column_count():
    raw = read_bytes(b"a,b,c\n1,2\n3,4,5\n", name="short_first.csv")
    assert raw.frame.rows() == [(3, "3", "4", "5")]
    assert raw.rejected["line"].to_list() == [2]


def test_too_many_fields_are_rejected():
    raw = read_bytes(b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", name="many.csv")
    assert raw.frame[LINE].to_list() == [2, 4]
    assert raw.rejected["line"].to_list() == [3]
    assert "too many fields: 4 found" in raw.rejected["reason"][0]
    assert raw.rejected["reason_zh"][0].startswith("字段过多")


def test_quoted_newlines_keep_the_line_numbers_of_the_source():
    raw = read_bytes(b'a,b,c\n1,"x\ny",3\n8,9,10\n4,5\n', name="qnl.csv")
    assert_frame_equal(raw.frame, frame([2, 4], a=["1", "8"], b=["x\ny", "9"], c=["3", "10"]))
    assert raw.rejected["line"].to_list() == [5]


def test_unterminated_quote_rejects_the_file_naming_the_line():
    with pytest.raises(DataFileError, match="never closed") as info:
        read_bytes(b'a,b,c\n1,2,3\n4,"xy,5\n8,9,10\n', name="q.csv")
    assert info.value.line == 3


def test_quoted_delimiters_and_escaped_quotes():
    raw = read_bytes(b'a,b\n"x,y","say ""hi"""\n', name="q.csv")
    assert raw.frame.row(0) == (2, "x,y", 'say "hi"')


def test_blank_lines_are_skipped_but_counted_in_line_numbers():
    raw = read_bytes(b"a,b\n1,2\n\n3,4\n", name="blank.csv")
    assert raw.frame[LINE].to_list() == [2, 4]
    assert raw.rows_read == 2


def test_crlf_and_semicolon():
    raw = read_bytes(b"a;b;c\r\n1;2,5;3\r\n", name="semi.csv")
    assert raw.delimiter == ";"
    assert raw.frame.row(0) == (2, "1", "2,5", "3")


def test_empty_file_is_rejected():
    with pytest.raises(DataFileError, match="is empty"):
        read_bytes(b"", name="empty.csv")
    with pytest.raises(DataFileError, match="is empty"):
        read_bytes(b"  \n\n", name="blank.csv")


def test_header_only_file_has_no_rows():
    raw = read_bytes(b"order_id,amount\n", name="header.csv")
    assert raw.headers == ("order_id", "amount")
    assert raw.rows_read == 0


def test_duplicate_and_empty_headers_are_kept_as_written():
    raw = read_bytes(b"id,id,\n1,2,3\n", name="dup.csv")
    assert raw.headers == ("id", "id", "")
    assert raw.columns == ["column_1", "column_2", "column_3"]


def test_leading_zero_and_long_ids_stay_strings():
    raw = read_bytes(b"id,order\n00123,2417384756123849561\n", name="ids.csv")
    assert raw.frame.row(0) == (2, "00123", "2417384756123849561")


def test_decimal_first_appearing_late_in_an_integer_column_is_kept_as_written():
    rows = "".join(f"{i},{i}\n" for i in range(1, 5001)) + "5001,12.5\n"
    raw = read_bytes(("id,qty\n" + rows).encode(), name="late.csv")
    assert raw.frame["qty"][-1] == "12.5"
    assert raw.frame.height == 5001


def test_detect_delimiter():
    assert detect_delimiter("a\tb\n1\t2\n") == "\t"
    assert detect_delimiter("a|b|c\n1|2|3\n") == "|"
    assert detect_delimiter('a,b\n"1;2",3\n') == ","


# --------------------------------------------------------------------------- other formats


def test_xlsx_lists_hidden_sheets_and_reads_the_first_visible(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["this sheet is notes"])
    notes.sheet_state = "hidden"
    data = book.create_sheet("会员")
    data.append(["客户ID", "手机号", "生日"])
    data.append([1001, "13800138000", None])
    data.append([None, None, None])
    data.append(["1002", 13900139000, "1990-05-03"])
    path = tmp_path / "members.xlsx"
    book.save(path)
    raw = read_file(path)
    assert raw.sheet == "会员"
    assert [(s.name, s.hidden) for s in raw.sheets] == [("说明", True), ("会员", False)]
    assert raw.frame.rows() == [
        (2, "1001", "13800138000", None),
        (4, "1002", "13900139000", "1990-05-03"),
    ]
    with pytest.raises(DataFileError, match="no sheet 'x'"):
        read_file(path, sheet="x")
    assert read_file(path, sheet="说明").headers == ("this sheet is notes",)


def test_json_array_and_ndjson():
    records = [{"id": "001", "n": 2, "ok": True, "tags": ["a"]}, {"id": "002", "extra": None}]
    text = "[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n"
    raw = read_bytes(text.encode(), name="x.json")
    assert raw.format == "json"
    assert raw.headers == ("id", "n", "ok", "tags", "extra")
    assert raw.frame.rows() == [
        (2, "001", "2", "true", '["a"]', None),
        (3, "002", None, None, None, None),
    ]
    nd = read_bytes(b'{"id": "1"}\n\n{"id": "2"}\n', name="x.ndjson")
    assert nd.frame.rows() == [(1, "1"), (3, "2")]
    with pytest.raises(DataFileError, match="line 2"):
        read_bytes(b'{"id": "1"}\n{"id": \n', name="bad.ndjson")


def test_parquet_values_become_strings(tmp_path):
    path = tmp_path / "x.parquet"
    pl.DataFrame({"customer": [17850.0, 13047.0], "qty": [1, 2]}).write_parquet(path)
    raw = read_file(path)
    assert raw.frame.rows() == [(1, "17850", "1"), (2, "13047", "2")]


def test_gzip_csv(tmp_path):
    import gzip

    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    raw = read_file(path)
    assert (raw.file, raw.frame.rows()) == ("orders.csv", [(2, "1", "2")])


def test_missing_file():
    with pytest.raises(DataFileError, match="does not exist"):
        read_file("/nonexistent/orders.csv")
