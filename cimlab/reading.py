"""Read channel files into raw string tables, keeping every source line number.

The first step of an import. Bytes are decoded by cimlab itself (BOM → strict UTF-8 → strict
GB18030 → a clear rejection), every value is read as a string, and rows whose field count does
not match the header are set aside with their line number instead of being null-padded.

Formats: CSV/TSV/semicolon/pipe text (delimiter detected), XLSX (sheet chosen, hidden sheets
listed), JSON (an array of objects) and NDJSON, Parquet. The format comes from the file's content
first (an ``.xlsx`` renamed ``.csv`` is still read as a workbook) and from its extension second.

Examples
--------
>>> raw = read_bytes(b"id,amount\\n00123,12.5\\n", name="orders.csv")
>>> raw.frame.rows()
[(2, '00123', '12.5')]
>>> (raw.encoding, raw.delimiter, raw.rows_read)
('utf-8', ',', 1)
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cimlab.errors import DataFileError

__all__ = [
    "LINE",
    "REJECT_SCHEMA",
    "RawTable",
    "SheetInfo",
    "decode_bytes",
    "detect_delimiter",
    "read_bytes",
    "read_file",
]

LINE = "__line__"
"""Name of the column that carries each row's 1-based source line (record number for JSON)."""

REJECT_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
    "reason_zh": pl.String(),
}
"""Columns of a row-level problem report, shared by reading, parsing and validation."""

_DELIMITERS = (",", "\t", ";", "|")
_TEXT_EXTENSIONS = {".csv", ".tsv", ".txt", ".tab"}
_JSON_EXTENSIONS = {".json", ".ndjson", ".jsonl"}


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet of a workbook: its name and whether Excel hides it."""

    name: str
    hidden: bool


@dataclass(frozen=True)
class RawTable:
    """A file read as strings.

    Attributes
    ----------
    file
        The file's name (no directory: it is shown to users and stored in batch records).
    format
        ``csv``, ``xlsx``, ``json``, ``ndjson`` or ``parquet``.
    headers
        Column headers exactly as the file wrote them (after trimming a BOM and spaces).
    frame
        ``__line__`` (Int64) then one String column per header. Columns are named after the
        headers when those are unique and non-empty, else ``column_1``, ``column_2``...
    rejected
        Rows that could not be split into the header's columns (:data:`REJECT_SCHEMA`).
    encoding, delimiter, sheet, sheets
        What was detected: shown to the user beside the preview.
    """

    file: str
    format: str
    headers: tuple[str, ...]
    frame: pl.DataFrame
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[SheetInfo, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def rows_read(self) -> int:
        """Data rows found in the file: rows in ``frame`` plus ``rejected`` rows."""
        return self.frame.height + self.rejected.height

    @property
    def columns(self) -> list[str]:
        """Names of the value columns of ``frame`` (without ``__line__``)."""
        return [c for c in self.frame.columns if c != LINE]

    def preview(self, n: int = 20) -> pl.DataFrame:
        """The first ``n`` rows with the original headers, for showing to a user."""
        head = self.frame.head(n)
        if len(set(self.headers)) == len(self.headers) and all(self.headers):
            return head
        return head.rename(dict(zip(self.columns, self.headers, strict=True)))


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes, *, file: str = "file") -> tuple[str, str]:
    """Decode ``data`` as BOM → strict UTF-8 → strict GB18030, or raise ``DataFileError``.

    Returns the text and the encoding used (``utf-8-sig``, ``utf-16``, ``utf-8``, ``gbk`` when
    the bytes are plain GBK, else ``gb18030``). Nothing is decoded lossily: text that is
    neither is rejected rather than shown garbled.

    Examples
    --------
    >>> decode_bytes("张三,1".encode("gbk"))
    ('张三,1', 'gbk')
    >>> decode_bytes("张三,1".encode("utf-8"))
    ('张三,1', 'utf-8')
    """
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise DataFileError(
                    f"starts with a {name.upper()} byte-order mark but is not valid {name.upper()} "
                    f"(bad bytes at offset {exc.start}); re-save it as UTF-8",
                    file=file,
                ) from None
    kind = _binary_kind(data)
    if kind:
        raise DataFileError(f"looks like {kind}, not a text table; {_SAVE_AS}", file=file)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataFileError(
            "is neither UTF-8 nor GBK/GB18030 text (undecodable bytes "
            f"{data[exc.start : exc.start + 4].hex(' ')}); {_SAVE_AS}",
            file=file,
            line=line,
        ) from None
    if _looks_binary(text):
        raise DataFileError(f"looks like binary data, not a text table; {_SAVE_AS}", file=file)
    try:
        data.decode("gbk")
        return text, "gbk"
    except UnicodeDecodeError:
        return text, "gb18030"


_SAVE_AS = "save it as CSV (UTF-8 or GBK), XLSX, JSON or Parquet and try again"


def _binary_kind(data: bytes) -> str | None:
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel 97-2003 (.xls) workbook; open it in Excel and save as .xlsx or CSV"
    if head.startswith(b"PAR1"):
        return "a Parquet file"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if b"\x00" in data[:4096]:
        return "binary data (it contains NUL bytes; UTF-16 text needs a byte-order mark)"
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    odd = sum(
        1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or 0xE000 <= ord(ch) <= 0xF8FF
    )
    return odd / len(sample) > 0.01


# --------------------------------------------------------------------------- delimited text


def detect_delimiter(text: str, *, prefer: str | None = None) -> str:
    """Pick the delimiter among ``, \\t ; |`` that splits the first lines most consistently.

    Examples
    --------
    >>> detect_delimiter("a;b;c\\n1;2,5;3\\n")
    ';'
    >>> detect_delimiter("only\\n1\\n")
    ','
    """
    lines = [ln for ln in text[:65536].splitlines()[:50] if ln.strip()]
    if not lines:
        return prefer or ","
    best, best_score = prefer or ",", (0, 0.0)
    for delim in _DELIMITERS:
        counts = [_strip_quoted(ln).count(delim) for ln in lines]
        header = counts[0]
        if header == 0:
            continue
        agree = sum(c == header for c in counts) / len(counts)
        score = (1 if agree >= 0.8 else 0, agree * header + (0.5 if delim == prefer else 0.0))
        if score > best_score:
            best, best_score = delim, score
    return best


_QUOTED = re.compile(r'"[^"]*"')


def _strip_quoted(line: str) -> str:
    return _QUOTED.sub("", line)


def _column_names(headers: list[str]) -> list[str]:
    unique = len(set(headers)) == len(headers)
    if unique and all(headers) and LINE not in headers:
        return headers
    return [f"column_{i}" for i in range(1, len(headers) + 1)]


def _clean_header(value: Any) -> str:
    return "" if value is None else str(value).replace("\ufeff", "").strip()


def _rejects(rows: list[tuple[int, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "line": [r[0] for r in rows],
            "column": [None] * len(rows),
            "value": [r[1] for r in rows],
            "reason": [r[2] for r in rows],
            "reason_zh": [r[3] for r in rows],
        },
        schema=REJECT_SCHEMA,
    )


def _field_count_reason(found: int, expected: int) -> tuple[str, str]:
    if found > expected:
        return (
            f"too many fields: {found} found, {expected} expected; a value probably contains an "
            "unquoted delimiter: put that value in double quotes",
            f"字段过多：有 {found} 个，应为 {expected} 个；某个值可能含有未加引号的分隔符，请给它加上双引号",
        )
    return (
        f"too few fields: {found} found, {expected} expected; the row looks cut short: "
        "complete it or remove it",
        f"字段过少：有 {found} 个，应为 {expected} 个；这一行可能被截断，请补全或删除",
    )


def _read_delimited(
    text: str, *, file: str, delimiter: str, utf8: bytes | None = None
) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    """Split delimited text into (headers, frame, rejected); fast path in Polars."""
    data = utf8 if utf8 is not None else text.encode("utf-8")
    sentinel = next(ch for ch in "\x1f\x1e\x1d\x1c\x07" if ch not in text)
    lines = pl.read_csv(
        data,
        has_header=False,
        separator=sentinel,
        quote_char=None,
        infer_schema=False,
        new_columns=["text"],
        empty_string_is_null=False,
    ).with_columns(pl.col("text").str.strip_suffix("\r"))
    if lines.height == 0 or not lines["text"][0].strip():
        raise DataFileError("has no header row (the first line is empty)", file=file, line=1)
    counts = lines.select(
        quotes=pl.col("text").str.count_matches('"', literal=True),
        fields=pl.col("text")
        .str.replace_all(r'"[^"]*"', "")
        .str.count_matches(delimiter, literal=True)
        + 1,
        blank=pl.col("text").str.strip_chars() == "",
    )
    if (counts["quotes"] % 2 != 0).any():
        return _read_delimited_slow(text, file=file, delimiter=delimiter)
    headers = next(csv.reader([lines["text"][0]], delimiter=delimiter))
    headers = [_clean_header(h) for h in headers]
    n = len(headers)
    names = _column_names(headers)
    body = pl.read_csv(
        data,
        has_header=False,
        skip_rows=1,
        separator=delimiter,
        infer_schema=False,
        schema=dict.fromkeys(names, pl.String()),
        truncate_ragged_lines=True,
        missing_columns="insert",
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    if body.height != lines.height - 1:  # quoting Polars read differently: take the exact path
        return _read_delimited_slow(text, file=file, delimiter=delimiter)
    info = counts.slice(1).with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))
    bad = info.filter(~pl.col("blank") & (pl.col("fields") != n))
    rejected = _rejects(
        [
            (line, raw, *_field_count_reason(found, n))
            for line, found, raw in zip(
                bad[LINE].to_list(),
                bad["fields"].to_list(),
                lines[bad[LINE].to_numpy() - 1, "text"].to_list() if bad.height else [],
                strict=True,
            )
        ]
    )
    keep = ~info["blank"] & (info["fields"] == n)
    frame = pl.concat([info.select(LINE), body], how="horizontal").filter(keep)
    return headers, frame, rejected


def _read_delimited_slow(
    text: str, *, file: str, delimiter: str
) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    """Exact record splitting with the csv module (quoted newlines, stray quotes)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    bad: list[tuple[int, str, str, str]] = []
    start = 1
    try:
        for record in reader:
            if headers is None:
                headers = [_clean_header(h) for h in record]
            elif record and any(v.strip() for v in record):
                if len(record) == len(headers):
                    rows.append(record)
                    line_numbers.append(start)
                else:
                    bad.append(
                        (
                            start,
                            delimiter.join(record),
                            *_field_count_reason(len(record), len(headers)),
                        )
                    )
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataFileError(
            f"cannot split the record that starts here into fields ({exc}); a double quote is "
            'probably never closed: close it, or double it ("") inside a quoted value',
            file=file,
            line=start,
        ) from None
    if headers is None or not any(headers):
        raise DataFileError("has no header row", file=file, line=1)
    names = _column_names(headers)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    frame = pl.DataFrame(
        {LINE: line_numbers, **{n: list(c) for n, c in zip(names, columns, strict=True)}},
        schema={LINE: pl.Int64(), **dict.fromkeys(names, pl.String())},
    )
    return headers, frame, _rejects(bad)


# --------------------------------------------------------------------------- xlsx


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return text


def _read_xlsx(data: bytes, *, file: str, sheet: str | None) -> RawTable:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise DataFileError(
            f"is not a readable XLSX workbook ({type(exc).__name__}); {_SAVE_AS}", file=file
        ) from None
    try:
        sheets = tuple(SheetInfo(ws.title, ws.sheet_state != "visible") for ws in book.worksheets)
        if sheet is None:
            visible = [s.name for s in sheets if not s.hidden]
            if not visible:
                raise DataFileError("has no visible worksheet; name one with --sheet", file=file)
            sheet = visible[0]
        elif sheet not in book.sheetnames:
            raise DataFileError(
                f"has no sheet {sheet!r}; its sheets are: "
                + ", ".join(f"{s.name}{' (hidden)' if s.hidden else ''}" for s in sheets),
                file=file,
            )
        rows = book[sheet].iter_rows(values_only=True)
        headers: list[str] | None = None
        values: list[list[str | None]] = []
        lines: list[int] = []
        bad: list[tuple[int, str, str, str]] = []
        for number, row in enumerate(rows, start=1):
            cells = [_cell_text(v) for v in row]
            if headers is None:
                if any(c not in (None, "") for c in cells):
                    while cells and cells[-1] in (None, ""):
                        cells.pop()
                    headers = [_clean_header(c) for c in cells]
                continue
            if not any(c not in (None, "") for c in cells):
                continue
            n = len(headers)
            extra = [c for c in cells[n:] if c not in (None, "")]
            if extra:
                bad.append(
                    (
                        number,
                        " | ".join("" if c is None else c for c in cells),
                        "value in a column that has no header; add a header or move the value",
                        "有值的列没有表头；请补上表头或移动该值",
                    )
                )
                continue
            cells = (cells + [None] * n)[:n]
            values.append(cells)
            lines.append(number)
    finally:
        book.close()
    if headers is None:
        raise DataFileError(f"sheet {sheet!r} is empty", file=file)
    names = _column_names(headers)
    columns = list(zip(*values, strict=True)) if values else [()] * len(names)
    frame = pl.DataFrame(
        {LINE: lines, **{n: list(c) for n, c in zip(names, columns, strict=True)}},
        schema={LINE: pl.Int64(), **dict.fromkeys(names, pl.String())},
    )
    hidden = [s.name for s in sheets if s.hidden]
    notes = (f"hidden sheets not read: {', '.join(hidden)}",) if hidden else ()
    return RawTable(
        file=file,
        format="xlsx",
        headers=tuple(headers),
        frame=frame,
        rejected=_rejects(bad),
        sheet=sheet,
        sheets=sheets,
        notes=notes,
    )


# --------------------------------------------------------------------------- json


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_array_lines(text: str, doc: list[Any]) -> list[tuple[int, Any]]:
    """Pair each element of a top-level JSON array with the source line it starts on."""
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    line, counted = 1, 0
    out: list[tuple[int, Any]] = []
    for _ in doc:
        while text[pos] in " \t\r\n,":
            pos += 1
        line += text.count("\n", counted, pos)
        counted = pos
        value, pos = decoder.raw_decode(text, pos)
        out.append((line, value))
    return out


def _read_json(text: str, *, file: str, encoding: str, ndjson: bool) -> RawTable:
    records: list[tuple[int, Any]] = []
    fmt = "ndjson"
    if not ndjson:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            doc = None
            ndjson = True
        else:
            if isinstance(doc, dict):
                lists = [v for v in doc.values() if isinstance(v, list)]
                if len(lists) != 1:
                    raise DataFileError(
                        "is a JSON object; expected an array of records (or an object holding one)",
                        file=file,
                    )
                doc = lists[0]
                records = list(enumerate(doc, start=1))
            elif isinstance(doc, list):
                records = _json_array_lines(text, doc)
            else:
                raise DataFileError("is JSON but not an array of records", file=file)
            fmt = "json"
    if ndjson:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise DataFileError(
                    f"is not valid JSON or NDJSON ({exc.msg} at column {exc.colno}); fix that line",
                    file=file,
                    line=number,
                ) from None
    headers: list[str] = []
    seen: set[str] = set()
    for _, rec in records:
        if isinstance(rec, dict):
            for key in rec:
                if key not in seen:
                    seen.add(key)
                    headers.append(str(key))
    good = [(n, r) for n, r in records if isinstance(r, dict)]
    bad = [
        (n, _json_text(r) or "null", "record is not a JSON object", "该记录不是 JSON 对象")
        for n, r in records
        if not isinstance(r, dict)
    ]
    names = _column_names(headers)
    frame = pl.DataFrame(
        {
            LINE: [n for n, _ in good],
            **{
                name: [_json_text(r.get(h)) for _, r in good]
                for name, h in zip(names, headers, strict=True)
            },
        },
        schema={LINE: pl.Int64(), **dict.fromkeys(names, pl.String())},
    )
    return RawTable(
        file=file,
        format=fmt,
        headers=tuple(headers),
        frame=frame,
        rejected=_rejects(bad),
        encoding=encoding,
    )


# --------------------------------------------------------------------------- parquet


def _read_parquet(data: bytes, *, file: str) -> RawTable:
    try:
        table = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise DataFileError(
            f"is not a readable Parquet file ({type(exc).__name__})", file=file
        ) from None
    headers = [str(c) for c in table.columns]
    names = _column_names(headers)
    exprs = []
    for name, col in zip(names, table.columns, strict=True):
        dtype = table.schema[col]
        expr = pl.col(col)
        if dtype.is_nested():
            expr = expr.map_batches(
                lambda s: pl.Series([_json_text(v) for v in s.to_list()], dtype=pl.String()),
                return_dtype=pl.String(),
            )
        elif dtype == pl.Float64 or dtype == pl.Float32:
            expr = (
                pl.when(expr.is_finite() & (expr == expr.round(0)) & (expr.abs() < 1e15))
                .then(expr.cast(pl.Int64).cast(pl.String))
                .otherwise(expr.cast(pl.String))
            )
        else:
            expr = expr.cast(pl.String)
        exprs.append(expr.alias(name))
    frame = (
        table.select(exprs).with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
    )
    return RawTable(file=file, format="parquet", headers=tuple(headers), frame=frame)


# --------------------------------------------------------------------------- entry points


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def read_bytes(
    data: bytes,
    *,
    name: str,
    sheet: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read a file's bytes (``name`` gives the file name shown in messages and its extension).

    Parameters
    ----------
    data
        The whole file.
    name
        File name; its extension is a hint when the content does not tell the format.
    sheet
        Worksheet to read from a workbook (default: the first visible one).
    delimiter
        Force a delimiter for text files instead of detecting it.

    Examples
    --------
    >>> raw = read_bytes("会员卡号;姓名\\n0001;林**\\n".encode("gb18030"), name="m.csv")
    >>> raw.headers, raw.encoding, raw.delimiter
    (('会员卡号', '姓名'), 'gbk', ';')
    """
    file = Path(name).name
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise DataFileError("is empty; export it again with a header row and data", file=file)
    if _is_xlsx(data):
        raw = _read_xlsx(data, file=file, sheet=sheet)
        if suffix not in {".xlsx", ".xlsm"}:
            raw = _with_note(
                raw,
                f"read as an Excel workbook although it is named {suffix or 'without an extension'}",
            )
        return raw
    if data.startswith(b"PAR1") or suffix == ".parquet":
        return _read_parquet(data, file=file)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raise DataFileError(f"is named {suffix} but is not an XLSX workbook; {_SAVE_AS}", file=file)
    text, encoding = decode_bytes(data, file=file)
    if text.startswith("\ufeff"):
        text = text[1:]
    stripped = text.lstrip()
    if suffix in _JSON_EXTENSIONS or (suffix not in _TEXT_EXTENSIONS and stripped[:1] in "[{"):
        return _read_json(
            text, file=file, encoding=encoding, ndjson=suffix in {".ndjson", ".jsonl"}
        )
    delim = delimiter or detect_delimiter(text, prefer="\t" if suffix in {".tsv", ".tab"} else None)
    headers, frame, rejected = _read_delimited(
        text, file=file, delimiter=delim, utf8=data if encoding == "utf-8" else None
    )
    return RawTable(
        file=file,
        format="csv",
        headers=tuple(headers),
        frame=frame,
        rejected=rejected,
        encoding=encoding,
        delimiter=delim,
    )


def _with_note(raw: RawTable, note: str) -> RawTable:
    from dataclasses import replace

    return replace(raw, notes=(*raw.notes, note))


def read_file(
    path: str | Path, *, sheet: str | None = None, delimiter: str | None = None
) -> RawTable:
    """Read a channel file from disk; see :func:`read_bytes`.

    Compressed text (``.gz``) is decompressed first, so ``online_retail.csv.gz`` reads as a CSV.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError("does not exist; check the path", file=str(path)) from None
    except IsADirectoryError:
        raise DataFileError("is a folder, not a file", file=str(path)) from None
    except PermissionError:
        raise DataFileError("cannot be read: permission denied", file=str(path)) from None
    except OSError as exc:
        raise DataFileError(f"cannot be read ({exc.strerror})", file=str(path)) from None
    name = path.name
    if name.lower().endswith(".gz"):
        import gzip

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise DataFileError("is named .gz but is not a readable gzip file", file=name) from None
        name = name[:-3]
    return read_bytes(data, name=name, sheet=sheet, delimiter=delimiter)
