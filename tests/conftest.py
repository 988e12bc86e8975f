"""Shared fixtures: the real datasets beside the repository, and small workspaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
IN_CI = os.environ.get("CI") == "true"


def shared_dataset(name: str) -> Path:
    """Path of a file in ``../shared/datasets``; skip outside CI when it is absent, fail in CI."""
    path = SHARED_DATASETS / name
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing, and CI=true requires the shared datasets")
        pytest.skip(
            f"{path} not present (tests on shared data run where ../shared/datasets exists)"
        )
    return path


@pytest.fixture
def shared_datasets() -> Path:
    """The shared datasets folder (skips outside CI when absent, fails in CI)."""
    if not SHARED_DATASETS.exists():
        if IN_CI:
            pytest.fail(f"{SHARED_DATASETS} is missing, and CI=true requires it")
        pytest.skip(f"{SHARED_DATASETS} not present")
    return SHARED_DATASETS
