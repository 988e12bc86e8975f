"""A resolved demo workspace shared by the analytics page tests (built once per test process).

No test may change it: the page tests only read it. ``demo`` points the app at it.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from cimlab.analytics.facts import CustomerData, customer_data
from cimlab.demo import build_demo_workspace
from cimlab.workspace import Workspace

collect_ignore = ["markdown_places_app.py"]  # a Streamlit script test_browser.py serves


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 300-person demo workspace, identities resolved."""
    root = tmp_path_factory.mktemp("analytics_demo")
    build_demo_workspace(root / "ws", root / "files", people=300)
    return root / "ws"


@pytest.fixture(scope="session")
def data(demo_ws: Path) -> CustomerData:
    """:func:`cimlab.analytics.facts.customer_data` of the demo workspace."""
    return customer_data(Workspace.open(demo_ws, create=False))


@pytest.fixture
def demo(demo_ws: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo workspace, as the app's workspace (``CIMLAB_WORKSPACE``) for this test."""
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(demo_ws))
    return demo_ws


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments of every ``st.download_button`` call; the button still renders.

    AppTest runs the page in this process and the page calls ``st.download_button``, so
    wrapping that public function sees exactly the bytes a user would download (``data``, a
    callable evaluated), without Streamlit's media-file internals.
    """
    seen: list[dict[str, Any]] = []
    original = st.download_button
    signature = inspect.signature(original)

    def spy(*args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(*args, **kwargs).arguments
        data = arguments.get("data")
        seen.append({**arguments, "data": data() if callable(data) else data})
        return original(*args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return seen
