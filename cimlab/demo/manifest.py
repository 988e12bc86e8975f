"""What the demo generator wrote: the files in import order, the rows broken on purpose
(``manifest.yaml``) and where the demo lives in a checkout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

SALES_CHANNELS = ("online_shop", "tmall", "wechat", "offline_store")
BAD_ROW_KINDS = (
    "impossible_date",
    "unreadable_amount",
    "missing_amount",
    "negative_amount",
    "unknown_status",
    "garbage_phone",
    "malformed_email",
    "nps_out_of_range",
    "csat_out_of_range",
    "too_few_fields",
    "too_many_fields",
    "empty_id",
)

_MANIFEST_VERSION = 1


@dataclass(frozen=True)
class BadRow:
    """A row broken on purpose: where it is, which column, what kind of problem, what value."""

    line: int
    column: str | None
    kind: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for YAML."""
        return {"line": self.line, "column": self.column, "kind": self.kind, "value": self.value}


@dataclass(frozen=True)
class DemoFile:
    """One generated file as the manifest describes it (``path`` relative to the demo folder)."""

    path: str
    table: str
    channel: str
    mapping: str
    encoding: str | None
    format: str
    rows: int
    sha256: str
    expected_bad_rows: tuple[BadRow, ...] = ()
    delimiter: str | None = None
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for YAML, keys in manifest order."""
        return {
            "path": self.path,
            "table": self.table,
            "channel": self.channel,
            "mapping": self.mapping,
            "encoding": self.encoding,
            "format": self.format,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "rows": self.rows,
            "sha256": self.sha256,
            "expected_bad_rows": [b.to_dict() for b in self.expected_bad_rows],
        }


@dataclass(frozen=True)
class Manifest:
    """What :func:`generate_demo_files` wrote: the files in import order and the truth files."""

    seed: int
    people: int
    as_of: date
    files: tuple[DemoFile, ...]
    truth: dict[str, str] = field(default_factory=dict)

    def file(self, path: str) -> DemoFile:
        """The entry of ``path``.

        Examples
        --------
        >>> Manifest(7, 10, date(2026, 6, 30), ()).file("x.csv")
        Traceback (most recent call last):
        ...
        KeyError: "path='x.csv' is not in the manifest."
        """
        for entry in self.files:
            if entry.path == path:
                return entry
        raise KeyError(f"path={path!r} is not in the manifest.")

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for YAML."""
        return {
            "generator": "cimlab.demo",
            "version": _MANIFEST_VERSION,
            "seed": self.seed,
            "people": self.people,
            "as_of": self.as_of.isoformat(),
            "timezone": "Asia/Shanghai",
            "files": [f.to_dict() for f in self.files],
            "truth": dict(self.truth),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Rebuild a manifest from :meth:`to_dict` output."""
        files = tuple(
            DemoFile(
                path=f["path"],
                table=f["table"],
                channel=f["channel"],
                mapping=f["mapping"],
                encoding=f["encoding"],
                format=f["format"],
                rows=int(f["rows"]),
                sha256=f["sha256"],
                expected_bad_rows=tuple(BadRow(**b) for b in f["expected_bad_rows"]),
                delimiter=f.get("delimiter"),
                sheet=f.get("sheet"),
            )
            for f in data["files"]
        )
        return cls(
            seed=int(data["seed"]),
            people=int(data["people"]),
            as_of=date.fromisoformat(str(data["as_of"])),
            files=files,
            truth=dict(data.get("truth") or {}),
        )


def read_manifest(path: Path) -> Manifest:
    """Read ``manifest.yaml`` written by :func:`generate_demo_files`.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.demo import generate_demo_files
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = generate_demo_files(Path(tmp), people=200)
    ...     read_manifest(Path(tmp) / "manifest.yaml") == written
    True
    """
    return Manifest.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def demo_paths(root: Path) -> tuple[Path, Path]:
    """The demo folder and the demo workspace folder of a project checkout at ``root``.

    Examples
    --------
    >>> [p.as_posix() for p in demo_paths(Path("/repo"))]
    ['/repo/data/demo', '/repo/data/workspace']
    """
    root = Path(root)
    return root / "data" / "demo", root / "data" / "workspace"
