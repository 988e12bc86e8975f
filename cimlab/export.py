"""The one writer: every file cimlab writes for people and other tools goes through here.

Formats follow the file's extension: CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX (a real
workbook) and Parquet (the data as they are). Two rules hold for every file:

- **No formulas.** Every CSV and XLSX cell (headers included) that a spreadsheet would run as a
  formula (it starts with ``= + - @``, a tab or a carriage return, also after leading spaces,
  and is not a plain number) gets a leading ``'``, so exported data never executes in Excel or
  WPS. Lists become comma-joined text, decimals floats, categories text.
- **Nothing lost, nothing partial, never the workspace.** A file is written to a temporary file in
  the target's folder, flushed to disk (``fsync``) and renamed over the target: a failure (disk
  full, permission denied, a folder as target, a missing folder) leaves no partial file and the
  old file, if any, as it was, and raises :class:`~cimlab.errors.ExportError` saying which file,
  what happened and what to do. A target inside a protected folder (the workspace: pass it as
  ``protect``) or inside any cimlab workspace folder (one holding ``cimlab.duckdb``) is refused,
  after resolving symlinks (of the file, of its folders, dangling ones too).

API: :func:`write_table` (a frame to a file), :func:`table_bytes` (a frame as the bytes of a
download), :func:`write_bytes` (bytes to a file, same guarantees), :func:`check_target` and
:func:`table_format` (check a target before long work), :func:`escape_formulas`.

Examples
--------
>>> import polars as pl
>>> escape_formulas(pl.DataFrame({"x": ["=1+1", "-12.5", "@SUM(A1)", "ok"]}))["x"].to_list()
["'=1+1", '-12.5', "'@SUM(A1)", 'ok']
>>> table_bytes(pl.DataFrame({"id": ["@SUM(A1)", "-2+3", "-2"]}), "csv").decode("utf-8-sig")
"id\\n'@SUM(A1)\\n'-2+3\\n-2\\n"
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import io
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import polars as pl

from cimlab.errors import ExportError

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

__all__ = [
    "FORMATS",
    "FORMULA_START",
    "WORKSPACE_MARKERS",
    "check_target",
    "escape_formulas",
    "table_bytes",
    "table_format",
    "write_bytes",
    "write_table",
]

#: File extension → format of :func:`write_table` and :func:`table_bytes`.
FORMATS: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
#: What a cell a spreadsheet runs as a formula starts with (``= + - @`` also after spaces).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Files that make a folder a cimlab workspace (``cimlab.workspace.DB_NAME`` and ``LOCK_NAME``;
#: a test keeps them equal): no export lands in such a folder or below it.
WORKSPACE_MARKERS = ("cimlab.duckdb", ".cimlab.lock")

_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_FORMULA = r"^(?:[\t\r]|[ \n]*[=+\-@])"  # tab/CR first, or = + - @ after optional spaces
_XLSX_MAX_ROWS = 1_048_576  # header included
_XLSX_MAX_CHARS = 32_767
_EXACT_INT = 10**15  # Excel keeps 15 significant digits; longer integers are written as text


# --------------------------------------------------------------------------- cells


def _escape(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.str.contains(_FORMULA) & ~expr.str.strip_chars().str.contains(_NUMBER))
        .then("'" + expr)
        .otherwise(expr)
    )


def _escape_name(name: str) -> str:
    return pl.select(_escape(pl.lit(name, dtype=pl.String))).item()


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would read as a formula (numbers stay as they are).

    Escaped: a cell starting with a tab or a carriage return, or with ``= + - @`` (after
    optional spaces), unless it is a plain number (``-12.5``, ``+1``, ``1e3``). Only text
    columns are touched; :func:`write_table` also escapes headers and turns lists and
    categories into text first.
    """
    return frame.with_columns(
        _escape(pl.col(c)).alias(c) for c, dtype in frame.schema.items() if dtype == pl.String
    )


def _text(expr: pl.Expr, dtype: PolarsDataType) -> pl.Expr:
    """Any value as text (inside lists)."""
    if isinstance(dtype, pl.Array):
        return _text(expr.arr.to_list(), pl.List(dtype.inner))
    if isinstance(dtype, pl.List):
        return expr.list.eval(_text(pl.element(), dtype.inner)).list.join(", ")
    if isinstance(dtype, pl.Struct):
        return expr.struct.json_encode()
    if dtype == pl.Binary:
        return expr.bin.encode("hex")
    if dtype == pl.Object:
        return expr.map_elements(str, return_dtype=pl.String)
    return expr.cast(pl.String)


def _cells(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as spreadsheet cells: text, numbers, dates; formulas escaped, headers too."""
    flat = []
    for c, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            flat.append(pl.col(c).cast(pl.Float64))
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            flat.append(pl.col(c).cast(pl.String))
        elif dtype.is_nested() or dtype in (pl.Binary, pl.Object):
            flat.append(_text(pl.col(c), dtype).alias(c))
    safe = escape_formulas(frame.with_columns(flat) if flat else frame)
    return safe.rename({c: _escape_name(c) for c in safe.columns})


# --------------------------------------------------------------------------- formats


def table_format(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for: ``"csv"``, ``"xlsx"`` or ``"parquet"``.

    Examples
    --------
    >>> table_format("members.XLSX")
    'xlsx'
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError("write a .csv, .parquet or .xlsx file", path=path)
    return fmt


def _writer(frame: pl.DataFrame, fmt: str) -> Callable[[IO[bytes]], None]:
    if fmt == "parquet":
        return lambda f: frame.write_parquet(f)
    if fmt not in ("csv", "xlsx"):
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS.values())}")
    safe = _cells(frame)
    if fmt == "csv":

        def csv(f: IO[bytes]) -> None:
            f.write("\ufeff".encode())
            safe.write_csv(f)

        return csv
    if safe.height + 1 > _XLSX_MAX_ROWS:
        raise ExportError(
            f"{safe.height:,} rows do not fit in an .xlsx sheet (at most "
            f"{_XLSX_MAX_ROWS - 1:,}); write .csv or .parquet instead"
        )
    return lambda f: _write_xlsx(safe, f)


def _xlsx_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # control characters are not allowed in XLSX; show where they were
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:_XLSX_MAX_CHARS]
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)  # the wall time of the column's time zone
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXACT_INT:
        return str(value)
    return value


def _write_xlsx(safe: pl.DataFrame, f: IO[bytes]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cimlab")
    sheet.append([_xlsx_value(c) for c in safe.columns])
    for row in safe.iter_rows():
        sheet.append([_xlsx_value(v) for v in row])
    book.save(f)


def table_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """``frame`` as the bytes of a ``"csv"``, ``"xlsx"`` or ``"parquet"`` file (for downloads).

    The same cells as :func:`write_table` writes: formulas escaped in CSV and XLSX.

    Examples
    --------
    >>> import polars as pl
    >>> table_bytes(pl.DataFrame({"n": [1]}), "csv")
    b'\\xef\\xbb\\xbfn\\n1\\n'
    """
    buffer = io.BytesIO()
    _writer(frame, fmt)(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- targets


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_target(
    path: str | os.PathLike[str], *, protect: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Check that a file may be written at ``path``; return the real path to write.

    Symlinks are resolved (the file's, its folders', dangling ones too). Refused, with an
    :class:`~cimlab.errors.ExportError`: a target inside a ``protect`` folder or inside a cimlab
    workspace (a folder holding one of :data:`WORKSPACE_MARKERS`), a folder, a file in a
    folder that does not exist, and anything else that is not a file (devices and pipes, such
    as ``/dev/null``, are written to directly).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_target(folder / "ws" / "x.csv", protect=[folder / "ws"])
    Traceback (most recent call last):
    ...
    cimlab.errors.ExportError: .../ws/x.csv: will not write inside the workspace folder .../ws ...
    """
    given = Path(path)
    if not str(path) or given.name in ("", ".", ".."):
        raise ExportError("give a file name, e.g. export.csv", path=given)
    target = Path(os.path.realpath(given))
    for folder in protect:
        real = Path(os.path.realpath(folder))
        if _inside(target, real):
            raise ExportError(
                f"will not write inside the workspace folder {real} (it holds the workspace's "
                "database and files); choose a file outside that folder",
                path=given,
            )
    for folder in target.parents:
        if any((folder / marker).exists() for marker in WORKSPACE_MARKERS):
            raise ExportError(
                f"will not write inside the workspace folder {folder} (it holds a cimlab "
                "workspace); choose a file outside that folder",
                path=given,
            )
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(
            f"the folder {given.parent} does not exist; create it first or choose another",
            path=given,
        )
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise _error(given, exc) from None
    if stat.S_ISDIR(mode):
        raise ExportError("is a folder; give a file name inside it, e.g. export.csv", path=given)
    if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise ExportError("is not a regular file; choose another file name", path=given)
    return target


def _error(path: Path, exc: OSError) -> ExportError:
    """A clear :class:`ExportError` for an OS error while writing ``path``."""
    nothing = "nothing was written"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what = f"the disk is full; {nothing}: free some space, or write to another disk"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        what = f"permission denied; {nothing}: choose a folder you can write to"
    elif exc.errno == errno.EROFS:
        what = f"the disk is read-only; {nothing}: choose another folder"
    elif exc.errno == errno.EISDIR:
        what = "is a folder; give a file name inside it, e.g. export.csv"
    elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
        what = f"the folder {path.parent} does not exist; create it first or choose another"
    else:
        reason = exc.strerror or type(exc).__name__
        what = f"cannot write the file ({reason}); {nothing}: check the disk and the folder"
    return ExportError(what, path=path)


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _write(
    path: str | os.PathLike[str],
    write: Callable[[IO[bytes]], None],
    protect: Iterable[str | os.PathLike[str]],
) -> Path:
    given = Path(path)
    target = check_target(given, protect=protect)  # again: a link may have moved meanwhile
    try:
        if target.exists() and not target.is_file():  # a device or a pipe: no rename
            with open(target, "wb") as stream:
                write(stream)
            return given
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise _error(given, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _error(given, exc) from None
        raise
    with contextlib.suppress(OSError):  # the rename itself reaches the disk
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return given


def write_table(
    frame: pl.DataFrame,
    path: str | os.PathLike[str],
    *,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM), XLSX or Parquet, by the file's extension.

    CSV and XLSX cells go through :func:`escape_formulas` (headers too); Parquet keeps the data
    as they are. The file is complete or absent, never partial, and never inside a ``protect``
    folder or a workspace (see :func:`check_target`). Returns ``path``.

    Raises
    ------
    ExportError
        The extension is not .csv, .xlsx or .parquet, the target is refused, or writing failed
        (the message names the file, what happened and what to do).

    Examples
    --------
    >>> import tempfile
    >>> frame = pl.DataFrame({"customer_id": ["=cmd()", "C1"]})
    >>> out = write_table(frame, Path(tempfile.mkdtemp()) / "x.csv")
    >>> out.read_text(encoding="utf-8-sig")
    "customer_id\\n'=cmd()\\nC1\\n"
    """
    protect = tuple(protect)
    check_target(path, protect=protect)  # where first: the most important refusal
    writer = _writer(frame, table_format(path))
    return _write(path, writer, protect)


def write_bytes(
    data: bytes,
    path: str | os.PathLike[str],
    *,
    protect: Iterable[str | os.PathLike[str]] = (),
    fmt: str | None = None,
) -> Path:
    """Write ``data`` to ``path`` with the guarantees of :func:`write_table`; returns ``path``.

    ``fmt`` names the format of ``data`` (``"csv"``, ``"xlsx"``, ``"parquet"``): the file's
    extension must match it, so CSV bytes never land in a file named ``.xlsx``.

    Examples
    --------
    >>> import tempfile
    >>> write_bytes(b"a\\n", Path(tempfile.mkdtemp()) / "x.xlsx", fmt="csv")
    Traceback (most recent call last):
    ...
    cimlab.errors.ExportError: .../x.xlsx: this is CSV data; name the file .csv
    """
    protect = tuple(protect)
    check_target(path, protect=protect)  # where first: the most important refusal
    if fmt is not None:
        suffix = next((s for s, f in FORMATS.items() if f == fmt), None)
        if suffix is None:
            raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS.values())}")
        if Path(path).suffix.lower() != suffix:
            raise ExportError(f"this is {fmt.upper()} data; name the file {suffix}", path=path)

    def write(f: IO[bytes]) -> None:
        f.write(data)

    return _write(path, write, protect)
