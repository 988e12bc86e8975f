"""Read channel files into raw string tables, keeping every source line number.

The first step of an import. Bytes are decoded by cimlab itself (BOM → strict UTF-8 → strict
GB18030 → a clear rejection), every value is read as a string, and rows whose field count does
not match the header are set aside with their line number instead of being null-padded.

Formats: CSV/TSV/semicolon/pipe text (delimiter detected), XLSX (sheet chosen, hidden sheets
listed), JSON (an array of objects) and NDJSON, Parquet, and ``.gz`` of any of them. The format
comes from the file's content first (an ``.xlsx`` renamed ``.csv`` is still read as a workbook)
and from its extension second.

Files are read as a stream of chunks (:func:`iter_file_chunks`), so memory stays flat however
large the file; :func:`read_file` and :func:`read_bytes` join the chunks into one table. Hostile
input is refused while streaming, before it costs memory or time, by :class:`ReadLimits`
(decompressed size and ratio, columns, cells per sheet, bytes per value and per row, nesting).

A file that mixes encodings (UTF-8 lines in a GBK export, or the reverse) is never stored as
mojibake: each line is classified, the file takes the encoding of most of its lines, and the
lines in the other encoding are set aside with a reason naming both encodings.

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
import contextlib
import csv
import datetime as dt
import gzip
import io
import json
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any, cast
from xml.etree import ElementTree

import polars as pl

from cimlab.errors import CimlabError, DataFileError

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_CHUNK_ROWS",
    "LINE",
    "REJECT_SCHEMA",
    "RawTable",
    "ReadLimits",
    "SheetInfo",
    "concat_chunks",
    "decode_bytes",
    "detect_delimiter",
    "iter_bytes_chunks",
    "iter_file_chunks",
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

DEFAULT_CHUNK_BYTES = 32 << 20
"""Text read per chunk (delimited files): bounds the memory an import needs."""

DEFAULT_CHUNK_ROWS = 200_000
"""Records read per chunk (workbooks, JSON, Parquet)."""

_BLOCK = 4 << 20
_RATIO_GRACE = 64 << 20  # the ratio limit applies once this much has been decompressed
_DELIMITERS = (",", "\t", ";", "|")
_TEXT_EXTENSIONS = {".csv", ".tsv", ".txt", ".tab"}
_JSON_EXTENSIONS = {".json", ".ndjson", ".jsonl"}
_SAVE_AS = "save it as CSV (UTF-8 or GBK), XLSX, JSON or Parquet and try again"


# --------------------------------------------------------------------------- limits


def _mb(n: float) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):.0f} KB"
    return f"{int(n)} bytes"


@dataclass(frozen=True)
class ReadLimits:
    """What a file may hold before it is refused as hostile or broken (checked while streaming).

    Every limit is a setting: pass ``limits=ReadLimits(...)`` to the readers, or set the
    environment variable named in brackets (read by :meth:`from_env`, which the CLI and the app
    use). A refused file stores nothing.

    Attributes
    ----------
    max_decompressed_bytes
        Bytes a compressed file (``.gz``, the parts of an XLSX, a Parquet file) may expand to
        [``CIMLAB_MAX_DECOMPRESSED_BYTES``, default 4 GB].
    max_compression_ratio
        Expansion factor allowed once 64 MB have been decompressed; real exports compress 5-20×,
        decompression bombs 1000× [``CIMLAB_MAX_COMPRESSION_RATIO``, default 200].
    max_columns
        Columns of a table [``CIMLAB_MAX_COLUMNS``, default 2,000].
    max_cells_per_sheet
        Cells of one worksheet [``CIMLAB_MAX_CELLS_PER_SHEET``, default 50,000,000].
    max_field_bytes
        UTF-8 bytes of one value [``CIMLAB_MAX_FIELD_BYTES``, default 64 KB].
    max_row_bytes
        Bytes of one row or record (a line, or a quoted value spanning lines)
        [``CIMLAB_MAX_ROW_BYTES``, default 16 MB].
    max_json_depth
        Nesting of arrays and objects in JSON [``CIMLAB_MAX_JSON_DEPTH``, default 64].

    Examples
    --------
    >>> ReadLimits().max_field_bytes
    65536
    >>> ReadLimits.from_env({"CIMLAB_MAX_COLUMNS": "50"}).max_columns
    50
    """

    max_decompressed_bytes: int = 4 << 30
    max_compression_ratio: float = 200.0
    max_columns: int = 2_000
    max_cells_per_sheet: int = 50_000_000
    max_field_bytes: int = 64 << 10
    max_row_bytes: int = 16 << 20
    max_json_depth: int = 64

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{f.name}={value!r} should be a positive number")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        """Defaults overridden by ``CIMLAB_MAX_*`` environment variables (see the class)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = "CIMLAB_" + f.name.upper()
            text = env.get(name)
            if text is None or not text.strip():
                continue
            try:
                values[f.name] = float(text) if f.name == "max_compression_ratio" else int(text)
                if values[f.name] <= 0:
                    raise ValueError
            except ValueError:
                raise CimlabError(
                    f"the environment variable {name}={text!r} should be a positive number"
                ) from None
        return cls(**values)


class _LimitedStream(io.RawIOBase):
    """A read-only stream that refuses to yield more than the limits allow."""

    def __init__(
        self, inner: Any, *, file: str, limits: ReadLimits, compressed: int | None
    ) -> None:
        self._inner = inner
        self._file = file
        self._limits = limits
        self._compressed = compressed
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        try:
            data = self._inner.read(len(view))
        except (OSError, EOFError, zlib.error):
            raise DataFileError(
                "is named .gz but is not a readable gzip file (damaged or cut short)",
                file=self._file,
            ) from None
        n = len(data)
        view[:n] = data
        self.total += n
        _check_expansion(self.total, self._compressed, file=self._file, limits=self._limits)
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def _check_expansion(total: int, compressed: int | None, *, file: str, limits: ReadLimits) -> None:
    if total > limits.max_decompressed_bytes:
        raise DataFileError(
            f"expands to more than {_mb(limits.max_decompressed_bytes)} when decompressed (the "
            "limit); a file this large is refused as a possible decompression bomb. Split it, "
            "or raise CIMLAB_MAX_DECOMPRESSED_BYTES if it is genuine",
            file=file,
        )
    if compressed and total > _RATIO_GRACE and total / compressed > limits.max_compression_ratio:
        raise DataFileError(
            f"expands more than {limits.max_compression_ratio:.0f}× when decompressed "
            f"({_mb(compressed)} became more than {_mb(total)}); it is refused as a possible "
            "decompression bomb. Raise CIMLAB_MAX_COMPRESSION_RATIO if it is genuine",
            file=file,
        )


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class SheetInfo:
    """One worksheet of a workbook: its name and whether Excel hides it."""

    name: str
    hidden: bool


@dataclass(frozen=True)
class RawTable:
    """A file (or one chunk of it) read as strings.

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


def concat_chunks(chunks: Iterator[RawTable]) -> RawTable:
    """Join the chunks of one file (from :func:`iter_file_chunks`) into one table.

    Examples
    --------
    >>> data = b"id\\n" + b"".join(b"%d\\n" % i for i in range(5))
    >>> concat_chunks(iter_bytes_chunks(data, name="ids.csv", chunk_bytes=4)).frame.height
    5
    """
    parts = list(chunks)
    first = parts[0]
    if len(parts) == 1:
        return first
    return replace(
        first,
        frame=pl.concat([p.frame for p in parts]),
        rejected=pl.concat([p.rejected for p in parts]),
        notes=parts[-1].notes,
    )


# --------------------------------------------------------------------------- sources


class _Source:
    """Where a file's bytes come from (a path, maybe gzipped, or bytes in memory).

    Every :meth:`open` starts a fresh stream of the decompressed bytes, checked against the
    limits, so a file can be read in several passes without holding it in memory.
    """

    def __init__(
        self,
        *,
        name: str,
        limits: ReadLimits,
        path: Path | None = None,
        data: bytes | None = None,
        gzipped: bool = False,
    ) -> None:
        self.name = name
        self.limits = limits
        self.path = path
        self.data = data
        self.gzipped = gzipped
        self._spooled: IO[bytes] | None = None

    def open(self) -> IO[bytes]:
        if self._spooled is not None:
            self._spooled.seek(0)
            return cast(IO[bytes], _Unclosable(self._spooled))
        if self.data is not None:
            raw: IO[bytes] = io.BytesIO(self.data)
            size = len(self.data)
        else:
            assert self.path is not None
            raw = open(self.path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
            size = os.fstat(raw.fileno()).st_size
        if not self.gzipped:
            return raw
        stream = _LimitedStream(
            gzip.GzipFile(fileobj=raw, mode="rb"),
            file=self.name,
            limits=self.limits,
            compressed=size,
        )
        return io.BufferedReader(stream, buffer_size=1 << 20)

    def head(self, n: int = 8192) -> bytes:
        with self.open() as stream:
            return stream.read(n)

    def seekable(self) -> IO[bytes]:
        """A seekable stream of the (decompressed) bytes, for zip and Parquet readers."""
        if not self.gzipped:
            if self.data is not None:
                return io.BytesIO(self.data)
            assert self.path is not None
            return open(self.path, "rb")
        if self._spooled is None:
            spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)  # noqa: SIM115
            with self.open() as stream:
                while block := stream.read(_BLOCK):
                    spool.write(block)
            self._spooled = spool
        self._spooled.seek(0)
        return cast(IO[bytes], _Unclosable(self._spooled))

    def close(self) -> None:
        if self._spooled is not None:
            self._spooled.close()
            self._spooled = None


class _Unclosable(io.BufferedIOBase):
    """A view of a spooled file that callers may close without closing the spool."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        return self._inner.read(-1 if n is None else n)

    def read1(self, n: int = -1) -> bytes:
        return self._inner.read(n)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()


# --------------------------------------------------------------------------- decoding


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class _TextPlan:
    """How to decode a text file: its encoding, and the lines written in another one."""

    encoding: str  # as reported: utf-8, utf-8-sig, gbk, gb18030, utf-16, utf-32
    codec: str  # the codec of most lines
    bom: bytes = b""
    other: Mapping[int, str] | None = None  # line number -> codec of lines in the other encoding
    other_name: str | None = None  # reported name of that other encoding

    def decode_line(self, number: int, line: bytes) -> str:
        codec = self.other.get(number, self.codec) if self.other else self.codec
        return line.decode(codec)


def _encoding_name(codec: str, *, gbk: bool) -> str:
    if codec == "utf-8":
        return "utf-8"
    return "gbk" if gbk else "gb18030"


def _byte_lines(stream: IO[bytes], *, file: str, limits: ReadLimits) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines: (number of the first line, bytes ending with a newline or EOF)."""
    line, rest = 1, b""
    while True:
        data = stream.read(_BLOCK)
        if not data:
            if rest:
                yield line, rest
            return
        data = rest + data if rest else data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            if len(rest) > limits.max_row_bytes:
                raise DataFileError(
                    f"has a line longer than {_mb(limits.max_row_bytes)} (the limit per row); "
                    "a value is far too large or the file is not a text table",
                    file=file,
                    line=line,
                )
            continue
        piece, rest = data[: cut + 1], data[cut + 1 :]
        if len(rest) > limits.max_row_bytes:
            raise DataFileError(
                f"has a line longer than {_mb(limits.max_row_bytes)} (the limit per row)",
                file=file,
                line=line + piece.count(b"\n"),
            )
        yield line, piece
        line += piece.count(b"\n")


def _plan_text(source: _Source) -> _TextPlan:
    """Decide the encoding of a text file in one streaming pass (two for a non-UTF-8 file)."""
    file = source.name
    head = source.head(4096)
    for bom, name in _BOMS:
        if head.startswith(bom):
            if name == "utf-8-sig":
                return _plan_lines(source, bom=bom, fixed="utf-8", reported="utf-8-sig")
            decoder = codecs.getincrementaldecoder(name)()
            offset = 0
            with source.open() as stream:
                while True:
                    data = stream.read(_BLOCK)
                    try:
                        decoder.decode(data, final=not data)
                    except UnicodeDecodeError as exc:
                        raise DataFileError(
                            f"starts with a {name.upper()} byte-order mark but is not valid "
                            f"{name.upper()} (bad bytes at offset {offset + max(exc.start, 0)}); "
                            "re-save it as UTF-8",
                            file=file,
                        ) from None
                    if not data:
                        break
                    offset += len(data)
            return _TextPlan(encoding=name, codec=name, bom=bom)
    kind = _binary_kind(head)
    if kind:
        raise DataFileError(f"looks like {kind}, not a text table; {_SAVE_AS}", file=file)
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.open() as stream:
        try:
            while True:
                data = stream.read(_BLOCK)
                decoder.decode(data, final=not data)
                if not data:
                    return _TextPlan(encoding="utf-8", codec="utf-8")
        except UnicodeDecodeError:
            pass
    return _plan_lines(source, bom=b"", fixed=None, reported=None)


def _plan_lines(
    source: _Source, *, bom: bytes, fixed: str | None, reported: str | None
) -> _TextPlan:
    """Classify every non-ASCII line as UTF-8 or GB18030; most lines set the file's encoding."""
    file = source.name
    utf8_lines: list[int] = []
    gb_lines: list[int] = []
    gbk = True
    with source.open() as stream:
        if bom:
            stream.read(len(bom))
        for first, block in _byte_lines(stream, file=file, limits=source.limits):
            if block.isascii():
                continue
            for offset, line in enumerate(block.split(b"\n")):
                if line.isascii():
                    continue
                number = first + offset
                try:
                    line.decode("utf-8")
                    utf8_lines.append(number)
                    continue
                except UnicodeDecodeError:
                    pass
                try:
                    line.decode("gb18030")
                except UnicodeDecodeError as exc:
                    raise DataFileError(
                        "is neither UTF-8 nor GBK/GB18030 text (undecodable bytes "
                        f"{line[exc.start : exc.start + 4].hex(' ')}); {_SAVE_AS}",
                        file=file,
                        line=number,
                    ) from None
                gb_lines.append(number)
                if gbk:
                    try:
                        line.decode("gbk")
                    except UnicodeDecodeError:
                        gbk = False
    majority = fixed or ("utf-8" if len(utf8_lines) >= len(gb_lines) else "gb18030")
    other_lines = gb_lines if majority == "utf-8" else utf8_lines
    other_codec = "gb18030" if majority == "utf-8" else "utf-8"
    encoding = reported or _encoding_name(majority, gbk=gbk)
    if not other_lines:
        return _TextPlan(encoding=encoding, codec=majority, bom=bom)
    return _TextPlan(
        encoding=encoding,
        codec=majority,
        bom=bom,
        other=dict.fromkeys(other_lines, other_codec),
        other_name=_encoding_name(other_codec, gbk=gbk),
    )


def _text_blocks(source: _Source, plan: _TextPlan) -> Generator[tuple[int, str], None, None]:
    """Decoded text in blocks of whole lines: (first line number, text)."""
    with source.open() as stream:
        if plan.bom:
            stream.read(len(plan.bom))
        if plan.codec in {"utf-16", "utf-32"}:
            decoder = codecs.getincrementaldecoder(plan.codec)()
            if plan.bom:
                decoder.decode(plan.bom)
            line, rest = 1, ""
            while True:
                data = stream.read(_BLOCK)
                text = rest + decoder.decode(data, final=not data)
                if not data:
                    if text:
                        yield line, text
                    return
                cut = text.rfind("\n")
                if cut < 0:
                    rest = text
                    continue
                piece, rest = text[: cut + 1], text[cut + 1 :]
                yield line, piece
                line += piece.count("\n")
        for first, block in _byte_lines(stream, file=source.name, limits=source.limits):
            if plan.other and _touches(plan.other, first, block.count(b"\n")):
                lines = block.split(b"\n")
                yield (
                    first,
                    "\n".join(plan.decode_line(first + i, ln) for i, ln in enumerate(lines)),
                )
            else:
                yield first, block.decode(plan.codec)


def _touches(lines: Mapping[int, str], first: int, newlines: int) -> bool:
    last = first + newlines
    if len(lines) < newlines:
        return any(first <= n <= last for n in lines)
    return any(n in lines for n in range(first, last + 1))


def decode_bytes(data: bytes, *, file: str = "file") -> tuple[str, str]:
    """Decode ``data`` as BOM → strict UTF-8 → strict GB18030, or raise ``DataFileError``.

    Returns the text and the encoding used (``utf-8-sig``, ``utf-16``, ``utf-8``, ``gbk`` when
    the bytes are plain GBK, else ``gb18030``). Nothing is decoded lossily: text that is
    neither is rejected rather than shown garbled, and so is text that mixes UTF-8 and GBK lines
    (the readers set those lines aside instead).

    Examples
    --------
    >>> decode_bytes("张三,1".encode("gbk"))
    ('张三,1', 'gbk')
    >>> decode_bytes("张三,1".encode("utf-8"))
    ('张三,1', 'utf-8')
    """
    source = _Source(name=file, limits=ReadLimits(), data=data)
    plan = _plan_text(source)
    if plan.other:
        lines = sorted(plan.other)
        raise DataFileError(
            f"mixes encodings: line(s) {_list_lines(lines)} are {(plan.other_name or '').upper()} while "
            f"the rest is {plan.encoding.upper()}; save the file again in one encoding (UTF-8)",
            file=file,
        )
    text = "".join(t for _, t in _text_blocks(source, plan))
    if _looks_binary(text):
        raise DataFileError(f"looks like binary data, not a text table; {_SAVE_AS}", file=file)
    return text, plan.encoding


def _list_lines(lines: list[int], n: int = 5) -> str:
    shown = ", ".join(str(x) for x in lines[:n])
    return shown + (f" and {len(lines) - n} more" if len(lines) > n else "")


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


def _mixed_reason(plan: _TextPlan) -> tuple[str, str]:
    other, main = plan.other_name or "", plan.encoding
    return (
        f"this line is {other.upper()} text but the rest of the file is {main.upper()}: it "
        "would be stored garbled. Save the file again in one encoding (UTF-8) and import it again",
        f"此行是 {other.upper()} 编码，而文件其余部分是 {main.upper()} 编码，导入会变成乱码；"
        "请将文件统一另存为 UTF-8 后重新导入",
    )


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


@dataclass(frozen=True)
class _Split:
    """Records split from a piece of delimited text, and what is left for the next piece."""

    headers: list[str]
    frame: pl.DataFrame
    rejected: pl.DataFrame
    ends: pl.Series  # last physical line of each row of ``frame``
    rest: str = ""
    rest_line: int = 0


def _check_headers(headers: list[str], *, file: str, limits: ReadLimits) -> None:
    if len(headers) > limits.max_columns:
        raise DataFileError(
            f"has {len(headers):,} columns, more than the limit of {limits.max_columns:,}; "
            "remove the columns you do not need (or raise CIMLAB_MAX_COLUMNS)",
            file=file,
            line=1,
        )


def _read_delimited(
    data: bytes,
    *,
    file: str,
    delimiter: str,
    limits: ReadLimits,
    headers: list[str] | None = None,
    first_line: int = 1,
    final: bool = True,
) -> _Split:
    """Split delimited UTF-8 text into records; fast path in Polars.

    ``data`` starts with the header line when ``headers`` is None, and its first line is line
    ``first_line`` of the file. It ends at a line end. With ``final=False`` a quoted value still
    open at the end is returned as ``rest`` for the next piece.
    """
    sentinel = next(ch for ch in "\x1f\x1e\x1d\x1c\x07" if ch.encode() not in data)
    lines = pl.read_csv(
        data,
        has_header=False,
        separator=sentinel,
        quote_char=None,
        infer_schema=False,
        new_columns=["text"],
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    if lines.width == 0:
        lines = pl.DataFrame(schema={"text": pl.String()})
    lines = lines.with_columns(pl.col("text").str.strip_suffix("\r"))
    if b'"' in data and (lines["text"].str.count_matches('"', literal=True) % 2 != 0).any():
        return _read_delimited_slow(
            data.decode("utf-8"),
            file=file,
            delimiter=delimiter,
            limits=limits,
            headers=headers,
            first_line=first_line,
            final=final,
        )
    skip = 0
    if headers is None:
        if lines.height == 0 or not lines["text"][0].strip():
            raise DataFileError("has no header row (the first line is empty)", file=file, line=1)
        headers = [
            _clean_header(h) for h in next(csv.reader([lines["text"][0]], delimiter=delimiter))
        ]
        _check_headers(headers, file=file, limits=limits)
        skip = 1
    n = len(headers)
    names = _column_names(headers)
    counts = lines.select(
        fields=pl.col("text")
        .str.replace_all(r'"[^"]*"', "")
        .str.count_matches(delimiter, literal=True)
        + 1,
        blank=pl.col("text").str.strip_chars() == "",
    )
    body = pl.read_csv(
        data,
        has_header=False,
        skip_rows=skip,
        separator=delimiter,
        infer_schema=False,
        schema=dict.fromkeys(names, pl.String()),
        truncate_ragged_lines=True,
        missing_columns="insert",
        extra_columns="ignore",
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    if body.height != lines.height - skip:  # quoting Polars read differently: take the exact path
        return _read_delimited_slow(
            data.decode("utf-8"),
            file=file,
            delimiter=delimiter,
            limits=limits,
            headers=headers if skip == 0 else None,
            first_line=first_line,
            final=final,
        )
    info = (
        counts.slice(skip)
        .with_row_index(LINE, offset=first_line + skip)
        .with_columns(pl.col(LINE).cast(pl.Int64))
    )
    bad = info.filter(~pl.col("blank") & (pl.col("fields") != n))
    rejected = _rejects(
        [
            (line, raw, *_field_count_reason(found, n))
            for line, found, raw in zip(
                bad[LINE].to_list(),
                bad["fields"].to_list(),
                lines[bad[LINE].to_numpy() - first_line, "text"].to_list() if bad.height else [],
                strict=True,
            )
        ]
    )
    keep = ~info["blank"] & (info["fields"] == n)
    frame = pl.concat([info.select(LINE), body], how="horizontal").filter(keep)
    return _Split(headers, frame, rejected, frame[LINE])


def _read_delimited_slow(
    text: str,
    *,
    file: str,
    delimiter: str,
    limits: ReadLimits,
    headers: list[str] | None,
    first_line: int,
    final: bool,
) -> _Split:
    """Exact record splitting with the csv module (quoted newlines, stray quotes)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    ends: list[int] = []
    bad: list[tuple[int, str, str, str]] = []
    start = first_line
    consumed = 0
    rest, rest_line = "", 0
    try:
        for record in reader:
            end = first_line + reader.line_num - 1
            if headers is None:
                headers = [_clean_header(h) for h in record]
                _check_headers(headers, file=file, limits=limits)
            elif record and any(v.strip() for v in record):
                if len(record) == len(headers):
                    rows.append(record)
                    line_numbers.append(start)
                    ends.append(end)
                else:
                    bad.append(
                        (
                            start,
                            delimiter.join(record),
                            *_field_count_reason(len(record), len(headers)),
                        )
                    )
            consumed = reader.line_num
            start = first_line + reader.line_num
    except csv.Error as exc:
        at_end = str(exc) == "unexpected end of data"
        if final or not at_end:
            raise DataFileError(
                f"cannot split the record that starts here into fields ({exc}); a double quote "
                'is probably never closed: close it, or double it ("") inside a quoted value',
                file=file,
                line=start,
            ) from None
        rest = "".join(text.splitlines(keepends=True)[consumed:])
        rest_line = start
        if len(rest.encode("utf-8")) > limits.max_row_bytes:
            raise DataFileError(
                f"has a record longer than {_mb(limits.max_row_bytes)} (the limit per row): a "
                "quoted value that starts here is probably never closed",
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
    return _Split(headers, frame, _rejects(bad), pl.Series(ends, dtype=pl.Int64), rest, rest_line)


def _utf8_blocks(source: _Source, plan: _TextPlan) -> Iterator[tuple[int, bytes]]:
    """UTF-8 bytes in blocks of whole lines: a UTF-8 file as it is, others re-encoded."""
    if plan.codec == "utf-8" and not plan.other:
        with source.open() as stream:
            if plan.bom:
                stream.read(len(plan.bom))
            yield from _byte_lines(stream, file=source.name, limits=source.limits)
        return
    for first, text in _text_blocks(source, plan):
        yield first, text.encode("utf-8")


def _pieces(blocks: Iterator[tuple[int, bytes]], size: int) -> Iterator[tuple[int, bytes]]:
    """Regroup blocks of whole lines into pieces of about ``size`` bytes (whole lines)."""
    parts: list[bytes] = []
    held, line = 0, 1
    for first, block in blocks:
        if not parts:
            line = first
        parts.append(block)
        held += len(block)
        if held < size:
            continue
        buffer = b"".join(parts)
        start = 0
        while len(buffer) - start >= size:
            cut = buffer.find(b"\n", start + size - 1)
            if cut < 0:
                break
            piece = buffer[start : cut + 1]
            yield line, piece
            line += piece.count(b"\n")
            start = cut + 1
        rest = buffer[start:]
        parts, held = ([rest], len(rest)) if rest else ([], 0)
    if parts:
        yield line, b"".join(parts)


def _delimited_chunks(
    source: _Source,
    *,
    suffix: str,
    delimiter: str | None,
    chunk_bytes: int,
    plan: _TextPlan,
) -> Iterator[RawTable]:
    file, limits = source.name, source.limits
    mixed = _mixed_reason(plan) if plan.other else None
    notes: tuple[str, ...] = ()
    if plan.other:
        notes = (
            f"mixed encodings: {len(plan.other):,} line(s) in {plan.other_name} set aside "
            f"(lines {_list_lines(sorted(plan.other))}); the rest read as {plan.encoding}",
        )
    headers: list[str] | None = None
    delim = delimiter
    pending, pending_line = b"", 1
    pieces = _pieces(_utf8_blocks(source, plan), chunk_bytes)
    current = next(pieces, None)
    if current is None or not current[1].removeprefix(codecs.BOM_UTF8).strip():
        raise DataFileError("is empty; export it again with a header row and data", file=file)
    while current is not None:
        following = next(pieces, None)
        line, data = (pending_line, pending + current[1]) if pending else current
        if headers is None:
            data = data.removeprefix(codecs.BOM_UTF8)
            head = data[:65536].decode("utf-8", errors="ignore")
            if _looks_binary(head):
                raise DataFileError(
                    f"looks like binary data, not a text table; {_SAVE_AS}", file=file
                )
            delim = delim or detect_delimiter(
                head, prefer="\t" if suffix in {".tsv", ".tab"} else None
            )
        split = _read_delimited(
            data,
            file=file,
            delimiter=delim or ",",
            limits=limits,
            headers=headers,
            first_line=line,
            final=following is None,
        )
        headers = split.headers
        frame, rejected = split.frame, split.rejected
        if mixed is not None and plan.other:
            text = data.decode("utf-8")
            frame, extra = _set_aside_lines(frame, split.ends, plan.other, text, line, mixed)
            if extra.height:
                rejected = pl.concat([rejected, extra]).sort("line")
        _check_field_sizes(frame, headers, file=file, limits=limits)
        yield RawTable(
            file=file,
            format="csv",
            headers=tuple(headers),
            frame=frame,
            rejected=rejected,
            encoding=plan.encoding,
            delimiter=delim,
            notes=notes,
        )
        pending, pending_line = split.rest.encode("utf-8"), split.rest_line
        current = following


def _set_aside_lines(
    frame: pl.DataFrame,
    ends: pl.Series,
    other: Mapping[int, str],
    text: str,
    first_line: int,
    reason: tuple[str, str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Take the records touching a line of the other encoding out of ``frame``."""
    marked = sorted(n for n in other if first_line <= n < first_line + text.count("\n") + 1)
    if not marked or frame.is_empty():
        return frame, pl.DataFrame(schema=REJECT_SCHEMA)
    spans = frame.select(LINE).with_columns(ends.alias("_end"))
    hits = pl.DataFrame({"_n": marked}, schema={"_n": pl.Int64()})
    touched = (
        spans.join(hits, how="cross")
        .filter((pl.col("_n") >= pl.col(LINE)) & (pl.col("_n") <= pl.col("_end")))
        .select(LINE)
        .unique()
        if len(marked) * frame.height <= 5_000_000
        else spans.filter(
            pl.int_ranges(pl.col(LINE), pl.col("_end") + 1)
            .list.eval(pl.element().is_in(marked))
            .list.any()
        ).select(LINE)
    )
    lines = text.split("\n")
    bad = frame.filter(pl.col(LINE).is_in(touched[LINE].implode()))
    rows = []
    for start, end in zip(
        bad[LINE].to_list(),
        spans.filter(pl.col(LINE).is_in(touched[LINE].implode()))["_end"].to_list(),
        strict=True,
    ):
        raw = "\n".join(lines[start - first_line : end - first_line + 1]).rstrip("\r")
        rows.append((start, raw, *reason))
    return frame.filter(~pl.col(LINE).is_in(touched[LINE].implode())), _rejects(rows)


def _check_field_sizes(
    frame: pl.DataFrame, headers: list[str] | tuple[str, ...], *, file: str, limits: ReadLimits
) -> None:
    """Refuse a value longer than ``limits.max_field_bytes``, naming its line and column."""
    columns = [c for c in frame.columns if c != LINE]
    if frame.is_empty() or not columns:
        return
    longest = frame.select(pl.col(columns).str.len_bytes().max()).row(0)
    for position, (column, size) in enumerate(zip(columns, longest, strict=True)):
        if size is not None and size > limits.max_field_bytes:
            line = frame.filter(pl.col(column).str.len_bytes() > limits.max_field_bytes)[LINE][0]
            header = headers[position] if position < len(headers) else column
            raise DataFileError(
                f"column {header!r} holds a value of {_mb(size)}, more than the limit of "
                f"{_mb(limits.max_field_bytes)} per value; shorten it, or raise "
                "CIMLAB_MAX_FIELD_BYTES if it is genuine. Nothing was imported",
                file=file,
                line=int(line),
            )


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
    return str(value)


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _check_workbook(stream: IO[bytes], *, file: str, limits: ReadLimits, size: int) -> None:
    """Stream every part of the workbook once: decompressed size, cells and columns per sheet."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise DataFileError(f"is not a readable XLSX workbook; {_SAVE_AS}", file=file) from None
    total = 0
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                with archive.open(info) as part:
                    if info.filename.startswith("xl/worksheets/") and info.filename.endswith(
                        ".xml"
                    ):
                        counter = _CountingReader(
                            part, start=total, size=size, file=file, limits=limits
                        )
                        _count_cells(counter, name=info.filename, file=file, limits=limits)
                        total = counter.total
                    else:
                        while block := part.read(_BLOCK):
                            total += len(block)
                            _check_expansion(total, size, file=file, limits=limits)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
                raise DataFileError(
                    f"is not a readable XLSX workbook (part {info.filename} is damaged); {_SAVE_AS}",
                    file=file,
                ) from None


class _CountingReader(io.RawIOBase):
    def __init__(
        self, inner: IO[bytes], *, start: int, size: int, file: str, limits: ReadLimits
    ) -> None:
        self._inner, self.total, self._size, self._file, self._limits = (
            inner,
            start,
            size,
            file,
            limits,
        )

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        data = self._inner.read(len(view))
        view[: len(data)] = data
        self.total += len(data)
        _check_expansion(self.total, self._size, file=self._file, limits=self._limits)
        return len(data)


def _count_cells(stream: Any, *, name: str, file: str, limits: ReadLimits) -> None:
    cells = 0
    in_row = 0
    row_tag, cell_tag = _SHEET_NS + "row", _SHEET_NS + "c"
    sheet = Path(name).stem
    try:
        context = ElementTree.iterparse(stream, events=("start", "end"))
        root = None
        for event, elem in context:
            if root is None:
                root = elem
            if event == "start":
                if elem.tag == cell_tag:
                    cells += 1
                    in_row += 1
                    if in_row > limits.max_columns:
                        raise DataFileError(
                            f"worksheet {sheet} has a row with more than {limits.max_columns:,} "
                            "cells (the column limit); remove the unused columns (or raise "
                            "CIMLAB_MAX_COLUMNS)",
                            file=file,
                        )
                    if cells > limits.max_cells_per_sheet:
                        raise DataFileError(
                            f"worksheet {sheet} has more than {limits.max_cells_per_sheet:,} "
                            "cells (the limit per sheet); split it or export CSV (or raise "
                            "CIMLAB_MAX_CELLS_PER_SHEET)",
                            file=file,
                        )
            elif elem.tag == row_tag:
                in_row = 0
                elem.clear()
                if root is not None:
                    root.clear()
    except ElementTree.ParseError:
        raise DataFileError(
            f"is not a readable XLSX workbook (worksheet {sheet} is damaged); {_SAVE_AS}",
            file=file,
        ) from None


def _xlsx_chunks(
    source: _Source, *, sheet: str | None, chunk_rows: int, note: str | None
) -> Iterator[RawTable]:
    from openpyxl import load_workbook

    file, limits = source.name, source.limits
    stream = source.seekable()
    try:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        _check_workbook(stream, file=file, limits=limits, size=size)
        stream.seek(0)
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:
            raise DataFileError(
                f"is not a readable XLSX workbook ({type(exc).__name__}); {_SAVE_AS}", file=file
            ) from None
        try:
            yield from _xlsx_rows(
                book, file=file, sheet=sheet, chunk_rows=chunk_rows, note=note, limits=limits
            )
        finally:
            book.close()
    finally:
        stream.close()


def _xlsx_rows(
    book: Any,
    *,
    file: str,
    sheet: str | None,
    chunk_rows: int,
    note: str | None,
    limits: ReadLimits,
) -> Iterator[RawTable]:
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
    hidden = [s.name for s in sheets if s.hidden]
    notes = tuple(
        n for n in (note, f"hidden sheets not read: {', '.join(hidden)}" if hidden else None) if n
    )
    headers: list[str] | None = None
    yielded = False
    values: list[list[str | None]] = []
    lines: list[int] = []
    bad: list[tuple[int, str, str, str]] = []

    def chunk() -> RawTable:
        assert headers is not None
        names = _column_names(headers)
        columns = list(zip(*values, strict=True)) if values else [()] * len(names)
        frame = pl.DataFrame(
            {LINE: lines, **{n: list(c) for n, c in zip(names, columns, strict=True)}},
            schema={LINE: pl.Int64(), **dict.fromkeys(names, pl.String())},
        )
        _check_field_sizes(frame, headers, file=file, limits=limits)
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

    for number, row in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in row]
        if headers is None:
            if any(c not in (None, "") for c in cells):
                while cells and cells[-1] in (None, ""):
                    cells.pop()
                headers = [_clean_header(c) for c in cells]
                _check_headers(headers, file=file, limits=limits)
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
        values.append((cells + [None] * n)[:n])
        lines.append(number)
        if len(values) >= chunk_rows:
            yield chunk()
            values, lines, bad = [], [], []
            yielded = True
    if headers is None:
        raise DataFileError(f"sheet {sheet!r} is empty", file=file)
    if values or bad or not yielded:
        yield chunk()


# --------------------------------------------------------------------------- json


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a decoded JSON value (stops counting past ``limit``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


def _json_array_values(
    blocks: Iterator[tuple[int, str]], *, file: str, limits: ReadLimits
) -> Iterator[tuple[int, Any]]:
    """Decode the elements of a top-level JSON array one by one, streaming, with their lines."""
    decoder = json.JSONDecoder()
    buffer, pos, line = "", 0, 1
    more, opened = True, False

    def refill() -> bool:
        nonlocal buffer, pos
        try:
            _, text = next(blocks)
        except StopIteration:
            return False
        buffer = buffer[pos:] + text
        pos = 0
        return True

    while True:
        while True:  # white space, and commas between elements
            skip = " \t\r\n\ufeff," if opened else " \t\r\n\ufeff"
            while pos < len(buffer) and buffer[pos] in skip:
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer) or not more:
                break
            more = refill()
        if pos >= len(buffer):
            raise DataFileError("is a JSON array that never closes (cut short?)", file=file)
        if not opened:
            if buffer[pos] != "[":
                raise DataFileError("is JSON but not an array of records", file=file)
            opened = True
            pos += 1
            continue
        if buffer[pos] == "]":
            rest = buffer[pos + 1 :].strip()
            while not rest and more:
                more = refill()
                rest = buffer[pos + 1 :].strip()
            if rest:
                raise DataFileError(
                    "has more data after the end of the JSON array", file=file, line=line
                )
            return
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
                break
            except RecursionError:
                raise _too_deep(file, line, limits) from None
            except json.JSONDecodeError as exc:
                cut_short = exc.pos >= len(buffer) - 2 or exc.msg.startswith("Unterminated")
                if more and cut_short:
                    if len(buffer) - pos > limits.max_row_bytes:
                        raise DataFileError(
                            f"has a JSON record longer than {_mb(limits.max_row_bytes)} (the "
                            "limit per row)",
                            file=file,
                            line=line,
                        ) from None
                    more = refill()
                    continue
                raise DataFileError(
                    f"is not valid JSON ({exc.msg}); fix that line",
                    file=file,
                    line=line + buffer.count("\n", pos, exc.pos),
                ) from None
        _check_depth(value, file=file, line=line, limits=limits)
        yield line, value
        line += buffer.count("\n", pos, end)
        pos = end


def _ndjson_values(
    blocks: Iterator[tuple[int, str]], *, file: str, limits: ReadLimits
) -> Iterator[tuple[int, Any]]:
    """Decode NDJSON: one JSON value per non-empty line."""
    for first, text in blocks:
        for offset, line in enumerate(text.split("\n")):
            if not line.strip():
                continue
            number = first + offset
            try:
                value = json.loads(line)
            except RecursionError:
                raise _too_deep(file, number, limits) from None
            except json.JSONDecodeError as exc:
                raise DataFileError(
                    f"is not valid JSON or NDJSON ({exc.msg} at column {exc.colno}); fix that line",
                    file=file,
                    line=number,
                ) from None
            _check_depth(value, file=file, line=number, limits=limits)
            yield number, value


def _check_depth(value: Any, *, file: str, line: int, limits: ReadLimits) -> None:
    if (
        isinstance(value, dict | list)
        and _depth(value, limits.max_json_depth) > limits.max_json_depth
    ):
        raise _too_deep(file, line, limits)


def _too_deep(file: str, line: int, limits: ReadLimits) -> DataFileError:
    return DataFileError(
        f"nests JSON arrays or objects more than {limits.max_json_depth} levels deep; records "
        "must be flat objects (or raise CIMLAB_MAX_JSON_DEPTH)",
        file=file,
        line=line,
    )


def _json_object(source: _Source, plan: _TextPlan) -> dict[str, Any] | None:
    """The document when a file starting with ``{`` is one JSON object; None when it is NDJSON.

    NDJSON when its first two non-empty lines each hold a whole value; otherwise the whole
    document is decoded (an object holding the records is read in one piece, within the limits).
    """
    file, limits = source.name, source.limits
    values = 0
    with contextlib.closing(_text_blocks(source, plan)) as blocks:
        for _, text in blocks:
            for line in text.split("\n"):
                if not line.strip():
                    continue
                try:
                    json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    break
                values += 1
                if values == 2:
                    return None
            else:
                continue
            break
    text = "".join(t for _, t in _text_blocks(source, plan))
    try:
        doc = json.loads(text)
    except RecursionError:
        raise _too_deep(file, 1, limits) from None
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"is not valid JSON ({exc.msg}); fix that line", file=file, line=exc.lineno
        ) from None
    if not isinstance(doc, dict):  # pragma: no cover - the file starts with "{"
        raise DataFileError("is JSON but not an array of records", file=file)
    return doc


def _json_chunks(
    source: _Source, *, suffix: str, chunk_rows: int, plan: _TextPlan
) -> Iterator[RawTable]:
    file, limits = source.name, source.limits
    if plan.other:
        raise DataFileError(
            f"mixes encodings: line(s) {_list_lines(sorted(plan.other))} are "
            f"{(plan.other_name or '').upper()} while the rest is {plan.encoding.upper()}; save the file again in one encoding (UTF-8)",
            file=file,
        )
    ndjson = suffix in {".ndjson", ".jsonl"}
    holder: Any = None
    if not ndjson:
        with contextlib.closing(_text_blocks(source, plan)) as blocks:
            head = ""
            for _, text in blocks:
                head += text
                if head.strip() or len(head) > 1 << 20:
                    break
        start = head.lstrip("\ufeff \t\r\n")[:1]
        if start == "{":
            holder = _json_object(source, plan)
            ndjson = holder is None
        elif start != "[":
            ndjson = True

    def records() -> Iterator[tuple[int, Any]]:
        if holder is not None:
            lists = [v for v in holder.values() if isinstance(v, list)]
            if len(lists) != 1:
                raise DataFileError(
                    "is a JSON object; expected an array of records (or an object holding one)",
                    file=file,
                )
            for number, value in enumerate(lists[0], start=1):
                _check_depth(value, file=file, line=number, limits=limits)
                yield number, value
            return
        blocks = _text_blocks(source, plan)
        if ndjson:
            yield from _ndjson_values(blocks, file=file, limits=limits)
        else:
            yield from _json_array_values(blocks, file=file, limits=limits)

    # pass 1: the headers are every key of every record, in order of first appearance
    headers: list[str] = []
    seen: set[str] = set()
    for _, rec in records():
        if isinstance(rec, dict):
            for key in rec:
                if key not in seen:
                    seen.add(key)
                    headers.append(str(key))
                    _check_headers(headers, file=file, limits=limits)
    names = _column_names(headers)
    fmt = "ndjson" if ndjson else "json"
    good: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str, str, str]] = []
    yielded = False

    def chunk() -> RawTable:
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
        _check_field_sizes(frame, headers, file=file, limits=limits)
        return RawTable(
            file=file,
            format=fmt,
            headers=tuple(headers),
            frame=frame,
            rejected=_rejects(bad),
            encoding=plan.encoding,
        )

    for number, rec in records():
        if isinstance(rec, dict):
            good.append((number, rec))
        else:
            bad.append(
                (
                    number,
                    _json_text(rec) or "null",
                    "record is not a JSON object",
                    "该记录不是 JSON 对象",
                )
            )
        if len(good) + len(bad) >= chunk_rows:
            yield chunk()
            good, bad = [], []
            yielded = True
    if good or bad or not yielded:
        yield chunk()


# --------------------------------------------------------------------------- parquet


def _parquet_chunks(source: _Source, *, chunk_rows: int) -> Iterator[RawTable]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    file, limits = source.name, source.limits
    stream = source.seekable()
    try:
        try:
            parquet = pq.ParquetFile(stream)
            meta = parquet.metadata
        except Exception as exc:
            raise DataFileError(
                f"is not a readable Parquet file ({type(exc).__name__})", file=file
            ) from None
        headers = [str(c) for c in parquet.schema_arrow.names]
        _check_headers(headers, file=file, limits=limits)
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        _check_expansion(expanded, size, file=file, limits=limits)
        names = _column_names(headers)
        first = True
        try:
            for batch in parquet.iter_batches(batch_size=chunk_rows):
                yield _parquet_table(pa.Table.from_batches([batch]), headers, names, file, limits)
                first = False
        except DataFileError:
            raise
        except Exception as exc:
            raise DataFileError(
                f"is not a readable Parquet file ({type(exc).__name__})", file=file
            ) from None
        if first:
            empty = pa.Table.from_batches([], schema=parquet.schema_arrow)
            yield _parquet_table(empty, headers, names, file, limits)
    finally:
        stream.close()


def _parquet_table(
    arrow: Any, headers: list[str], names: list[str], file: str, limits: ReadLimits
) -> RawTable:
    table = pl.from_arrow(arrow)
    assert isinstance(table, pl.DataFrame)
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
    frame = table.select(exprs) if exprs else pl.DataFrame()
    frame = frame.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
    _check_field_sizes(frame, headers, file=file, limits=limits)
    return RawTable(file=file, format="parquet", headers=tuple(headers), frame=frame)


# --------------------------------------------------------------------------- entry points


def _is_xlsx(source: _Source) -> bool:
    if not source.head(4).startswith(b"PK\x03\x04"):
        return False
    stream = source.seekable()
    try:
        with zipfile.ZipFile(stream) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        stream.close()


def _chunks(
    source: _Source,
    *,
    sheet: str | None,
    delimiter: str | None,
    chunk_bytes: int,
    chunk_rows: int,
) -> Iterator[RawTable]:
    file = source.name
    suffix = Path(file).suffix.lower()
    head = source.head(65536)
    if not head.strip():
        raise DataFileError("is empty; export it again with a header row and data", file=file)
    if _is_xlsx(source):
        note = None
        if suffix not in {".xlsx", ".xlsm"}:
            note = (
                f"read as an Excel workbook although it is named {suffix or 'without an extension'}"
            )
        yield from _xlsx_chunks(source, sheet=sheet, chunk_rows=chunk_rows, note=note)
        return
    if head.startswith(b"PAR1") or suffix == ".parquet":
        rows = 0
        for chunk in _parquet_chunks(source, chunk_rows=chunk_rows):
            if rows:
                chunk = replace(chunk, frame=chunk.frame.with_columns(pl.col(LINE) + rows))
            rows += chunk.frame.height
            yield chunk
        return
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        raise DataFileError(f"is named {suffix} but is not an XLSX workbook; {_SAVE_AS}", file=file)
    plan = _plan_text(source)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in _JSON_EXTENSIONS or (
        suffix not in _TEXT_EXTENSIONS and stripped[:1] in (b"[", b"{")
    ):
        yield from _json_chunks(source, suffix=suffix, chunk_rows=chunk_rows, plan=plan)
        return
    yield from _delimited_chunks(
        source, suffix=suffix, delimiter=delimiter, chunk_bytes=chunk_bytes, plan=plan
    )


def _guarded(
    source: _Source,
    *,
    sheet: str | None,
    delimiter: str | None,
    chunk_bytes: int,
    chunk_rows: int,
) -> Iterator[RawTable]:
    """The chunks of ``source``; a crash a hostile file could cause becomes a file error."""
    try:
        yield from _chunks(
            source,
            sheet=sheet,
            delimiter=delimiter,
            chunk_bytes=chunk_bytes,
            chunk_rows=chunk_rows,
        )
    except RecursionError:
        raise _too_deep(source.name, 1, source.limits) from None
    except MemoryError:
        raise DataFileError(
            "needs more memory than this machine has; split it into smaller files",
            file=source.name,
        ) from None
    finally:
        source.close()


def iter_bytes_chunks(
    data: bytes,
    *,
    name: str,
    sheet: str | None = None,
    delimiter: str | None = None,
    limits: ReadLimits | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[RawTable]:
    """Read a file's bytes as a stream of :class:`RawTable` chunks; see :func:`read_bytes`.

    Every chunk has the file's headers, format and encoding; its ``frame`` holds the next rows
    with their source lines. At least one chunk is yielded (maybe with no rows).
    """
    source = _Source(name=Path(name).name, limits=limits or ReadLimits.from_env(), data=data)
    return _guarded(
        source, sheet=sheet, delimiter=delimiter, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows
    )


def iter_file_chunks(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    limits: ReadLimits | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[RawTable]:
    """Read a file from disk as a stream of :class:`RawTable` chunks (memory flat in its size).

    ``.gz`` files are decompressed on the fly, within ``limits``. See :func:`read_file`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ids.csv"
    >>> _ = path.write_text("id\\n" + "".join(f"{i}\\n" for i in range(10)))
    >>> [c.frame.height for c in iter_file_chunks(path, chunk_bytes=12)]
    [5, 5]
    """
    path = Path(path)
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise DataFileError("does not exist; check the path", file=str(path)) from None
    except IsADirectoryError:
        raise DataFileError("is a folder, not a file", file=str(path)) from None
    except PermissionError:
        raise DataFileError("cannot be read: permission denied", file=str(path)) from None
    except OSError as exc:
        raise DataFileError(f"cannot be read ({exc.strerror})", file=str(path)) from None
    name = path.name
    gzipped = name.lower().endswith(".gz")
    if gzipped:
        name = name[:-3]
        with open(path, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                raise DataFileError("is named .gz but is not a readable gzip file", file=path.name)
    source = _Source(name=name, limits=limits or ReadLimits.from_env(), path=path, gzipped=gzipped)
    return _guarded(
        source, sheet=sheet, delimiter=delimiter, chunk_bytes=chunk_bytes, chunk_rows=chunk_rows
    )


def read_bytes(
    data: bytes,
    *,
    name: str,
    sheet: str | None = None,
    delimiter: str | None = None,
    limits: ReadLimits | None = None,
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
    limits
        What the file may hold (default: :meth:`ReadLimits.from_env`).

    Examples
    --------
    >>> raw = read_bytes("会员卡号;姓名\\n0001;林**\\n".encode("gb18030"), name="m.csv")
    >>> raw.headers, raw.encoding, raw.delimiter
    (('会员卡号', '姓名'), 'gbk', ';')
    """
    return concat_chunks(
        iter_bytes_chunks(data, name=name, sheet=sheet, delimiter=delimiter, limits=limits)
    )


def read_file(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    limits: ReadLimits | None = None,
) -> RawTable:
    """Read a channel file from disk; see :func:`read_bytes`.

    Compressed text (``.gz``) is decompressed first, so ``online_retail.csv.gz`` reads as a CSV.
    """
    return concat_chunks(iter_file_chunks(path, sheet=sheet, delimiter=delimiter, limits=limits))
