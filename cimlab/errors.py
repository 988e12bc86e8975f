"""The error hierarchy: every message says what went wrong, where, and what to do.

Messages never carry raw phone numbers or e-mail addresses; values that may be personal data are
masked with :func:`cimlab.privacy.mask_value` before they are quoted.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "CimlabError",
    "DataFileError",
    "ExportError",
    "MappingError",
    "ValidationFailed",
    "WorkspaceBusy",
    "WorkspaceError",
]


class CimlabError(Exception):
    """Base class of every error cimlab raises on purpose."""


class DataFileError(CimlabError):
    """A file cannot be read at all (encoding, format, structure, emptiness).

    Parameters
    ----------
    message
        What is wrong and what to do.
    file
        File name the problem was found in.
    line
        1-based source line, when one line is to blame.

    Examples
    --------
    >>> str(DataFileError("no rows below the header", file="orders.csv", line=1))
    'orders.csv, line 1: no rows below the header'
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = message
        where = file or ""
        if line is not None:
            where = f"{where}, line {line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class ExportError(CimlabError):
    """A file cannot be written (refused target, disk full, permission denied...); nothing was.

    Parameters
    ----------
    message
        What happened and what to do.
    path
        The file as the caller named it.

    Examples
    --------
    >>> str(ExportError("the disk is full; nothing was written", path="out/rfm.csv"))
    'out/rfm.csv: the disk is full; nothing was written'
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class MappingError(CimlabError):
    """Source columns cannot be mapped to the canonical table (missing, duplicate, empty headers)."""


class ValidationFailed(CimlabError):
    """Raised when a caller asked for all-or-nothing validation and some rows failed.

    ``failures`` holds one row per problem: ``line, column, value, reason, reason_zh``.
    """

    def __init__(self, message: str, failures: pl.DataFrame) -> None:
        self.failures = failures
        super().__init__(message)


class WorkspaceError(CimlabError):
    """The workspace cannot do what was asked (not found, unknown batch, bad backup)."""


class WorkspaceBusy(WorkspaceError):
    """Another process is writing to the workspace; try again when it has finished."""
