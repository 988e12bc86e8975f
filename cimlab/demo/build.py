"""Build the demo workspace: generate the files and import them as a user would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from cimlab.demo.generate import generate_demo_files


@dataclass(frozen=True)
class DemoBuild:
    """What :func:`build_demo_workspace` did: per file, the import's counts."""

    workspace: Path
    built: bool
    imports: tuple[dict[str, Any], ...] = ()
    customers: int | None = None

    def __str__(self) -> str:
        if not self.built:
            return f"demo workspace {self.workspace} already exists; use --force to rebuild it"
        lines = [f"demo workspace built in {self.workspace}:"]
        for item in self.imports:
            lines.append(
                f"  {item['file']:<30} {item['table']:<12} read {item['rows_read']:>6,}  "
                f"loaded {item['rows_loaded']:>6,}  quarantined {item['rows_quarantined']:>3,}"
            )
        if self.customers is not None:
            lines.append(f"  identities resolved: {self.customers:,} customers")
        return "\n".join(lines)


def build_demo_workspace(
    workspace_dir: Path,
    files_dir: Path,
    *,
    seed: int = 7,
    people: int = 5000,
    force: bool = False,
    resolve_identities: bool = True,
) -> DemoBuild:
    """Generate the demo files and import them through the same pipeline a user goes through.

    Then, unless ``resolve_identities`` is false, identities are resolved (deterministic rules,
    run time the end of the demo's last day) so the analytics pages have customers to show.
    Nothing happens when the workspace already holds imports, unless ``force`` is set (then the
    workspace folder's database is replaced). Each file is imported with the table, channel and
    mapping preset its manifest entry names.
    """
    from cimlab.ingest.importer import import_file
    from cimlab.workspace import Workspace

    workspace_dir, files_dir = Path(workspace_dir), Path(files_dir)
    if (workspace_dir / "cimlab.duckdb").exists():
        if not force and Workspace.open(workspace_dir, create=False).batches().height:
            return DemoBuild(workspace=workspace_dir, built=False)
        for leftover in workspace_dir.glob("cimlab.duckdb*"):
            leftover.unlink()
    manifest = generate_demo_files(files_dir, seed=seed, people=people)
    workspace = Workspace.open(workspace_dir, create=True)
    imports = []
    for entry in manifest.files:
        result = import_file(
            workspace,
            files_dir / entry.path,
            table=entry.table,
            channel=entry.channel,
            mapping=entry.mapping,
            sheet=entry.sheet,
            user="demo",
        )
        imports.append(result.summary())
    customers = None
    if resolve_identities:
        from cimlab.identity import resolve

        run_at = datetime.combine(manifest.as_of, time(23, 59), tzinfo=UTC)
        customers = resolve(workspace, at=run_at).customers
    return DemoBuild(
        workspace=workspace_dir, built=True, imports=tuple(imports), customers=customers
    )
