"""User values are shown as text, never as Markdown: the helpers of ``apps/_common.py``
(``md_text``, ``md_code``, ``t_md``), the UI texts they fill, and a static check of every
Streamlit call in ``apps/`` (see ``tests/app/markdown_checks.py``).

The pages with data whose values are Markdown are in ``test_markdown_payloads.py`` (AppTest)
and ``test_browser.py`` (Chromium, Streamlit's own renderer).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from cimlab.i18n import MESSAGES, t
from tests.app.markdown_checks import MARKDOWN_PAYLOADS, check_source, markup_leaks, shown_text

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"
if str(APPS) not in sys.path:
    sys.path.insert(0, str(APPS))

import _common as common  # noqa: E402

# ----------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_md_text_shows_the_value_as_written(payload: str) -> None:
    escaped = common.md_text(payload)
    assert isinstance(escaped, common.Markdown)
    assert markup_leaks(escaped) == []
    assert shown_text(escaped) == re.sub(r"\r\n|[\r\n]", " ", payload)
    assert "\n" not in escaped and ":material/" not in escaped
    assert common.md_text(escaped) == escaped  # escaping twice changes nothing


def test_markup_leaks_finds_what_md_text_escapes() -> None:
    # the check the page tests rely on: the raw payloads are caught
    leaks = {p: markup_leaks(p) for p in MARKDOWN_PAYLOADS[:8]}
    assert all(leaks.values()), leaks
    assert markup_leaks("File: ![f](https://evil.example/x.png)") == ["image", "link", "bare link"]
    # escapes do not stop bare links: Streamlit finds them in the text
    assert markup_leaks(r"https\:\/\/evil\.example a\@evil\.example") == [
        "bare link",
        "e-mail link",
    ]


def test_md_code_keeps_the_value_in_one_code_span() -> None:
    for value in ["/tmp/ws", "a`b", "``x", "x`", " padded ", ":material/home:", "$x$ *y*"]:
        code = common.md_code(value)
        assert code.startswith("`") and code.endswith("`")
        assert shown_text(code) == value, (value, code)
        assert ":material/" not in code  # Streamlit rewrites it even inside code
    assert common.md_code("") == ""


def test_t_md_escapes_values_but_not_numbers_or_markdown() -> None:
    shown = common.t_md("imp.file_header", "en", file="![f](https://evil.example/x.png) o.csv")
    assert markup_leaks(shown) == []
    assert shown_text(shown) == "File: ![f](https://evil.example/x.png) o.csv"
    # numbers keep their format specs ({customers:,})
    assert common.t_md("ana.resolved_again", "en", customers=12345) == t(
        "ana.resolved_again", "en", customers=12345
    )
    # Markdown values (our own texts, code spans) are kept
    code = common.md_code("a;b")
    assert common.t_md("ov.workspace", "en", path=code) == f"Workspace: {code}"


def test_error_messages_show_file_names_as_text() -> None:
    from cimlab.errors import CimlabError

    message = common.error_message(CimlabError("![f](https://evil.example/x.png): bad"), "en")
    assert markup_leaks(message) == []
    assert shown_text(message) == t(
        "error.prefix", "en", message="![f](https://evil.example/x.png): bad"
    )


def test_ui_texts_take_their_values_as_text() -> None:
    """A placeholder inside a code span or a link target would show t_md's backslashes (or
    let a value end the span): values go in running text."""
    inside_code = re.compile(r"`[^`]*\{[a-z_]+\}[^`]*`")
    inside_link = re.compile(r"\]\([^)]*\{[a-z_]+\}|!\[[^\]]*\{[a-z_]+\}")
    wrong = [
        (key, lang)
        for key, texts in MESSAGES.items()
        for lang, text in texts.items()
        if inside_code.search(text) or inside_link.search(text) or markup_leaks(text)
    ]
    assert wrong == []


# ----------------------------------------------------------------------------- the static check

ALLOWLIST: dict[tuple[str, str], str] = {
    ("apps/overview_page.py", "label"): (
        "_segmented_control forwards translated_choice's label; its callers are checked as "
        "st.segmented_control calls"
    ),
    ("apps/overview_page.py", "options"): (
        "_segmented_control forwards translated_choice's options (KPI_PERIODS, numbers) with the "
        "callers' format_func, which is checked at the call"
    ),
}
"""Arguments of Markdown places the check cannot prove safe, with the reason they are."""


def _findings() -> list[object]:
    common_source = (APPS / "_common.py").read_text(encoding="utf-8")
    found = []
    for path in sorted(APPS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found.extend(check_source(source, f"apps/{path.name}", others={"_common": common_source}))
    return found


def test_app_puts_user_values_in_markdown_only_escaped() -> None:
    findings = [f for f in _findings() if f.key not in ALLOWLIST]  # type: ignore[attr-defined]
    assert findings == [], "\n".join(map(str, findings))


def test_allowlist_names_only_current_findings() -> None:
    keys = {f.key for f in _findings()}  # type: ignore[attr-defined]
    assert set(ALLOWLIST) <= keys, set(ALLOWLIST) - keys


BAD = {
    "the reported defect": 'st.subheader(t("imp.file_header", lang, file=upload.name))',
    "an f-string": 'st.caption(f"File: {upload.name}")',
    "a name bound to data": "name = view.golden['name']\nst.markdown(name)",
    "a label": "left.selectbox(header, options)",
    "a tooltip": 'st.button("Go", help=t("x", lang, file=name))',
    "a metric value": 'row.metric("Name", view.name)',
    "a tab label": "st.tabs([t('a', lang), upload.name])",
    "an expander": "with st.expander(sheet):\n    pass",
    "radio options": "st.radio('x', names, format_func=lambda n: n)",
    "an alert from an if": "(st.success if ok else st.error)(note['text'])",
    "a wrapped radio": "common.translated_choice(st.radio, label, xs, key='k', lang=lang, default=1)",
    "a parameter": "def show(text):\n    st.info(text)\nshow(upload.name)",
    "a join": "st.caption(', '.join(headers))",
    "an unchecked format": 'st.caption(f"{name:>10}")',
    "raw HTML": 'st.markdown("<b>x</b>", unsafe_allow_html=True)',
    "escaped text in selectbox options": (
        "st.selectbox('x', names, format_func=lambda n: common.md_text(n))"
    ),
    "escaped text in a placeholder": "st.text_input('x', placeholder=common.md_text(name))",
    "escaped text in a dataframe": "st.dataframe(common.md_text(frame))",
}
GOOD = {
    "the fix": 'st.subheader(common.t_md("imp.file_header", lang, file=upload.name))',
    "our own text": 'st.title(t("imp.title", lang))',
    "escaped values": "st.caption(f\"**{t('a', lang)}**: {common.md_text(name)}\")",
    "numbers": 'st.metric(t("a", lang), f"{n:,}", delta=f"{d:+.1f}")',
    "a name bound to safe values": (
        "label = common.md_text(h)\nif x:\n    label = common.t_md('m', lang, label=label)\n"
        "st.selectbox(label, headers)"
    ),
    "a dict of safe texts": "helps = {'a': t('x', lang)}\nst.metric('a', '1', help=helps[k])",
    "a local function returning numbers": (
        "def _n(v):\n    return f'{v:,.2f}' if v else '—'\nst.metric('x', _n(3))"
    ),
    "a parameter its callers fill safely": (
        "def show(text):\n    st.info(text)\nshow(t('a', lang))\nshow(common.md_text(name))"
    ),
    "loop over literal rows": (
        "for a, b in ((t('x', lang), '1'), (t('y', lang), common.md_text(v))):\n"
        "    row.metric(a, b)"
    ),
    "selectbox options as text": "st.selectbox(t('x', lang), names, format_func=lambda n: n)",
    "a logger": "_log.error(name)",
}


@pytest.mark.parametrize("name", BAD)
def test_check_finds_markdown_injection(name: str) -> None:
    assert check_source(BAD[name], "apps/example.py"), name


@pytest.mark.parametrize("name", GOOD)
def test_check_accepts_escaped_values(name: str) -> None:
    assert check_source(GOOD[name], "apps/example.py") == [], name


def test_check_follows_common_helpers() -> None:
    common_source = (APPS / "_common.py").read_text(encoding="utf-8")
    source = "st.error(common.error_message(exc, lang))"
    assert check_source(source, "apps/example.py", others={"_common": common_source}) == []
    unsafe = "def error_message(exc, lang):\n    return str(exc)\n"
    assert check_source(source, "apps/example.py", others={"_common": unsafe})


def test_every_key_given_to_t_md_exists() -> None:
    """``tests/test_i18n.py`` finds the keys of ``t(...)``; these are the keys of ``t_md(...)``
    and of the Customers page's ``_fail(key, lang)``."""
    used: set[str] = set()
    for path in APPS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            key = node.args[0]
            if name in {"t_md", "_fail"} and isinstance(key, ast.Constant):
                used.add(str(key.value))
    assert len(used) > 50
    assert sorted(used - set(MESSAGES)) == []
