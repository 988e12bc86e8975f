"""A Streamlit script for ``test_browser.py``: each Markdown payload, escaped by the app's
``md_text``, in every kind of Markdown place the app uses (text, caption, heading, alert,
metric, radio option, button, widget label, expander, tab), and as is where Streamlit shows
text as is (``st.text``, a selectbox option). Case ``i`` sits in the container keyed
``case_<i>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
for folder in (ROOT / "apps", ROOT):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import _common as common  # noqa: E402

from tests.app.markdown_checks import MARKDOWN_PAYLOADS  # noqa: E402

st.title("Markdown places")
for i, value in enumerate(MARKDOWN_PAYLOADS):
    text = common.md_text(value)
    with st.container(key=f"case_{i}", border=True):
        st.markdown(text)
        st.caption(text)
        st.subheader(text, anchor=False)
        st.info(text)
        st.metric(text, text, help=text)
        st.radio(text, [value], format_func=common.md_text, key=f"radio_{i}")
        st.button(text, key=f"button_{i}")
        st.selectbox(text, [value], key=f"select_{i}")
        with st.expander(text):
            pass
        st.tabs([text])
        st.text(value)
