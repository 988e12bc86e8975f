"""Markdown safety, shared by the app tests: a static check of the app's source, and checks of
what a page sends to the browser.

Streamlit renders Markdown in its text elements (``st.markdown``, ``st.caption``, titles, alerts,
toasts), in every widget label and tooltip (``help``), in metric labels, values and deltas, in
expander and tab labels, and in the options of radios, segmented controls, pills and select
sliders. Selectbox and multiselect options, placeholders, dataframes and ``st.text`` show text as
is. The app's rule (``apps/_common.py``): a value from data or from a user reaches a Markdown
place only through ``md_text``/``md_code`` or as a placeholder of ``t_md``; ``t(key, lang)``
without placeholders is our own Markdown.

:func:`check_source` finds the arguments of Markdown places that it cannot prove follow the rule
(and escaped text in places that show text as is, where the backslashes would show).
:func:`markdown_sources` lists the Markdown an ``AppTest`` run sends to the browser;
:func:`markup_leaks` finds images, links, raw HTML, directives, maths and headings that would
render from it, and :func:`shown_text` is the text it shows. :func:`build_payload_workspace`
builds a workspace whose values are Markdown, for the page tests (AppTest and browser).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# ----------------------------------------------------------------------------- Streamlit's places

BODY_SINKS = frozenset(
    [
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "info",
        "warning",
        "error",
        "success",
        "toast",
        "write",
        "badge",
    ]
)
"""Commands whose body (first positional argument or ``body``) is Markdown."""
LABEL_SINKS = frozenset(
    [
        "button",
        "download_button",
        "link_button",
        "form_submit_button",
        "checkbox",
        "toggle",
        "radio",
        "selectbox",
        "multiselect",
        "select_slider",
        "slider",
        "number_input",
        "text_input",
        "text_area",
        "date_input",
        "time_input",
        "datetime_input",
        "file_uploader",
        "color_picker",
        "segmented_control",
        "pills",
        "camera_input",
        "audio_input",
        "expander",
        "popover",
        "status",
        "metric",
    ]
)
"""Commands whose label (first positional argument or ``label``) is Markdown."""
MARKDOWN_OPTIONS = frozenset({"radio", "segmented_control", "pills", "select_slider"})
"""Widgets whose options (as ``format_func`` shows them) are Markdown."""
PLAIN_OPTIONS = frozenset({"selectbox", "multiselect"})
"""Widgets whose options are shown as text: escaped values would show their backslashes."""
PLAIN_BODIES = frozenset({"dataframe", "data_editor", "table", "text", "code", "json"})
"""Commands that show their data as text."""
ALIASES = {"_segmented_control": "segmented_control"}
"""Page functions that stand for a Streamlit widget (``overview_page._segmented_control``)."""
WRAPPERS = frozenset({"translated_choice"})
"""``_common.translated_choice(widget, label, options, ...)`` calls ``widget(label, options, ...)``."""
NOT_STREAMLIT = frozenset({"_log", "log", "logger", "logging", "warnings"})
"""Receivers whose ``.error``/``.warning``/``.info`` are not Streamlit's."""

ESCAPERS = frozenset({"md_text", "md_code", "t_md"})
"""The app's helpers whose result is safe Markdown whatever their arguments."""

_NUMERIC_SPEC = re.compile(r"[,_]|[bdeEfFgGnoxX%]$")


@dataclasses.dataclass(frozen=True)
class Finding:
    """An argument of a Markdown place not proven to follow the rule (or escaped text in a
    place that shows text as is)."""

    file: str
    line: int
    call: str
    argument: str
    problem: str

    @property
    def key(self) -> tuple[str, str]:
        """How the allowlist names it: file and argument source (line numbers move)."""
        return (self.file, self.argument)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.call}(... {self.argument} ...): {self.problem}"


# ----------------------------------------------------------------------------- scopes

_Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_UNKNOWN: Any = None  # a binding whose value the check cannot see (parameter, loop target...)


def _target_names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


@dataclasses.dataclass(frozen=True)
class _Param:
    """A parameter of a function of the module: as safe as what its callers pass."""

    function: ast.FunctionDef | ast.AsyncFunctionDef
    name: str


_Binding = ast.expr | _Param | None


class _Bindings(ast.NodeVisitor):
    """Names bound directly in one scope (not in nested functions), with their values."""

    def __init__(self, scope: _Scope) -> None:
        self.values: dict[str, list[_Binding]] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = scope.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if isinstance(scope, ast.Lambda):
                    self._bind(arg.arg, _UNKNOWN)
                else:
                    self._bind(arg.arg, _Param(scope, arg.arg))
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    self._bind(arg.arg, _UNKNOWN)
        body = scope.body if isinstance(scope.body, list) else []
        for statement in body:
            self.visit(statement)

    def _bind(self, name: str, value: _Binding) -> None:
        self.values.setdefault(name, []).append(value)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.functions[node.name] = node
        self._bind(node.name, _UNKNOWN)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.functions[node.name] = node
        self._bind(node.name, _UNKNOWN)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._bind(node.name, _UNKNOWN)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return  # its own scope

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._bind(target.id, node.value)
            else:
                for name in _target_names(target):
                    self._bind(name, _UNKNOWN)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self._bind(node.target.id, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        for name in _target_names(node.target):
            self._bind(name, node.value)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind(node.target.id, node.value)
        self.generic_visit(node)

    def _unknown_targets(self, target: ast.expr) -> None:
        for name in _target_names(target):
            self._bind(name, _UNKNOWN)

    def visit_For(self, node: ast.For) -> None:
        target, rows = node.target, node.iter
        if (
            isinstance(target, ast.Tuple)
            and all(isinstance(e, ast.Name) for e in target.elts)
            and isinstance(rows, ast.Tuple | ast.List)
            and all(isinstance(r, ast.Tuple) and len(r.elts) == len(target.elts) for r in rows.elts)
        ):  # for label, value in ((a, b), (c, d)): each name takes each row's value
            for row in rows.elts:
                for name, value in zip(target.elts, row.elts, strict=True):  # type: ignore[attr-defined]
                    self._bind(name.id, value)  # type: ignore[attr-defined]
        else:
            self._unknown_targets(target)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._unknown_targets(node.target)
        self.generic_visit(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._unknown_targets(node.optional_vars)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, _UNKNOWN)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind((alias.asname or alias.name).split(".")[0], _UNKNOWN)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name, _UNKNOWN)


class _Module:
    """One source file: its scopes, so a name or a local function can be followed."""

    def __init__(self, name: str, tree: ast.Module, modules: dict[str, _Module]) -> None:
        self.name = name
        self.tree = tree
        self.modules = modules  # every checked file by module name (``_common``...)
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self._bindings: dict[ast.AST, _Bindings] = {}

    def bindings(self, scope: _Scope) -> _Bindings:
        if scope not in self._bindings:
            self._bindings[scope] = _Bindings(scope)
        return self._bindings[scope]

    def scopes(self, node: ast.AST) -> list[_Scope]:
        """The scopes around ``node``, innermost first."""
        found: list[_Scope] = []
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                found.append(current)
            current = self.parents.get(current)
        found.append(self.tree)
        return found


class _Safety:
    """Whether an expression is safe Markdown (constant, our template, escaped or a number)."""

    def __init__(self, module: _Module, busy: set[tuple[str, int]] | None = None) -> None:
        self.module = module
        self._busy = set() if busy is None else busy  # shared across modules: no endless loop

    def __call__(self, node: ast.expr | None) -> bool:
        if node is None:
            return False
        match node:
            case ast.Constant():
                return True
            case ast.JoinedStr():
                return all(self._part(v) for v in node.values)
            case ast.Call():
                return self._call(node)
            case ast.BinOp(op=ast.Add()):
                return self(node.left) and self(node.right)
            case ast.IfExp():
                return self(node.body) and self(node.orelse)
            case ast.BoolOp():
                return all(self(v) for v in node.values)
            case ast.List() | ast.Tuple():
                return all(self(e) for e in node.elts)
            case ast.Name():
                return self._name(node)
            case ast.Attribute():
                return node.attr.isupper()  # a module constant (common.REVEAL_ENV)
            case ast.Subscript(value=ast.Name()):
                return self._item(node.value)
            case ast.Lambda():
                return self(node.body)
        return False

    def _part(self, part: ast.expr) -> bool:
        if isinstance(part, ast.Constant):
            return True
        assert isinstance(part, ast.FormattedValue)
        if part.conversion != -1:
            return False
        spec = part.format_spec
        constant = isinstance(spec, ast.JoinedStr) and all(
            isinstance(v, ast.Constant) for v in spec.values
        )
        # a numeric format (",", ".1%", "+.1f", "d") fails on anything but a number
        if constant and _NUMERIC_SPEC.search(ast.unparse(spec)[2:-1]):
            return True
        return self(part.value)

    def _call(self, node: ast.Call) -> bool:
        name = _terminal_name(node.func)
        if name in ESCAPERS:
            return True
        if name == "t":  # our own text; a placeholder needs t_md
            return not node.keywords
        if name == "Markdown":  # an explicit claim, checked like anything else
            return all(self(a) for a in node.args) and not node.keywords
        function = self._function(node.func)
        if function is None:
            return False
        owner = self._owner(node.func)
        key = (owner.module.name, function.lineno)
        if key in self._busy:
            return False
        self._busy.add(key)
        try:
            returns = [
                n.value
                for n in ast.walk(function)
                if isinstance(n, ast.Return) and owner.module.scopes(n)[0] is function
            ]
            return bool(returns) and all(owner(value) for value in returns)
        finally:
            self._busy.discard(key)

    def _owner(self, func: ast.expr) -> _Safety:
        """Who judges a called function: this module, or ``_common`` for ``common.x``."""
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            other = self.module.modules.get(_module_alias(func.value.id))
            if other is not None:
                return _Safety(other, self._busy)
        return self

    def _function(self, func: ast.expr) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """A function of this module (``_number``) or of ``_common`` (``common.x``)."""
        if isinstance(func, ast.Name):
            for scope in self.module.scopes(func):
                found = self.module.bindings(scope).functions.get(func.id)
                if found is not None:
                    return found
            return None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            other = self.module.modules.get(_module_alias(func.value.id))
            if other is not None:
                return other.bindings(other.tree).functions.get(func.attr)
        return None

    def _values(self, node: ast.Name) -> tuple[_Scope, list[_Binding]] | None:
        for scope in self.module.scopes(node):
            values = self.module.bindings(scope).values.get(node.id)
            if values is not None:
                return scope, values
        return None

    def _name(self, node: ast.Name) -> bool:
        if node.id.isupper():
            return True  # a module constant by convention
        found = self._values(node)
        if found is None:
            return False
        scope, values = found
        key = (f"{self.module.name}:{node.id}", id(scope))
        if key in self._busy:  # x = x + "..." : judged by its other bindings
            return True
        self._busy.add(key)
        try:
            return all(self._param(v) if isinstance(v, _Param) else self(v) for v in values)
        finally:
            self._busy.discard(key)

    def _item(self, node: ast.Name) -> bool:
        """``x[...]`` where every binding of ``x`` is a literal dict, list or tuple of safe
        values (``helps[measure]``)."""
        found = self._values(node)
        if found is None:
            return False
        for value in found[1]:
            if isinstance(value, ast.Dict):
                items = value.values
            elif isinstance(value, ast.List | ast.Tuple):
                items = value.elts
            else:
                return False
            if not all(self(item) for item in items):
                return False
        return True

    def _param(self, param: _Param) -> bool:
        """A parameter is safe when every call of its function passes a safe value (and the
        function is never handed elsewhere, where the check cannot follow its calls)."""
        function = param.function
        arguments = function.args
        positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
        defaults = dict(
            zip(
                positional[len(positional) - len(arguments.defaults) :],
                arguments.defaults,
                strict=True,
            )
        )
        defaults |= {
            a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d
        }
        calls, used = [], 0
        for node in ast.walk(self.module.tree):
            if isinstance(node, ast.Name) and node.id == function.name:
                used += 1
            if isinstance(node, ast.Call) and ast.unparse(node.func) == function.name:
                calls.append(node)
        if not calls or used != len(calls):
            return False
        for call in calls:
            if any(isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords
            ):
                return False
            passed = {k.arg: k.value for k in call.keywords}
            if param.name in positional and positional.index(param.name) < len(call.args):
                value = call.args[positional.index(param.name)]
            else:
                value = passed.get(param.name, defaults.get(param.name))
            if value is None or not self(value):
                return False
        return True


def _terminal_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _module_alias(name: str) -> str:
    return "_common" if name == "common" else name


def _receiver(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return ast.unparse(func.value)
    return ""


def _escapes(node: ast.AST | None) -> bool:
    """Whether ``node`` calls an escaper (shown as is, its backslashes would show)."""
    if node is None:
        return False
    return any(
        isinstance(n, ast.Call) and _terminal_name(n.func) in ESCAPERS for n in ast.walk(node)
    )


def _sink_name(call: ast.Call) -> tuple[str, list[ast.expr]]:
    """The Streamlit command a call stands for, and its positional arguments."""
    func = call.func
    if isinstance(func, ast.IfExp):  # (st.success if ok else st.error)(text)
        func = func.body
    name = _terminal_name(func)
    args = list(call.args)
    if name in WRAPPERS and args:
        name, args = _terminal_name(args[0]), args[1:]
    elif _receiver(func).split(".")[-1] in NOT_STREAMLIT:
        return "", args
    return ALIASES.get(name, name), args


def _places(call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """The arguments of ``call`` that Streamlit renders as Markdown, with what they are."""
    name, args = _sink_name(call)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if name in BODY_SINKS:
        for arg in args:
            yield "body", arg
        if "body" in keywords:
            yield "body", keywords["body"]
    if name in LABEL_SINKS:
        if args:
            yield "label", args[0]
        if "label" in keywords:
            yield "label", keywords["label"]
    if name == "page_link" and "label" in keywords:
        yield "label", keywords["label"]
    if name == "metric":
        for index, field in ((1, "value"), (2, "delta")):
            if len(args) > index:
                yield field, args[index]
            if field in keywords:
                yield field, keywords[field]
    if name == "tabs":
        for arg in args[:1]:
            yield "tab labels", arg
    if name in MARKDOWN_OPTIONS:
        if "format_func" in keywords:
            yield "options (format_func)", keywords["format_func"]
        elif len(args) > 1:
            yield "options", args[1]
        if "captions" in keywords:
            yield "captions", keywords["captions"]
    if name and "help" in keywords:
        yield "help", keywords["help"]


def _plain_places(call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """The arguments of ``call`` that Streamlit shows as text."""
    name, args = _sink_name(call)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if name in PLAIN_OPTIONS:
        if "format_func" in keywords:
            yield "options (format_func)", keywords["format_func"]
        elif len(args) > 1:
            yield "options", args[1]
    if name in PLAIN_BODIES:
        yield from (("data", arg) for arg in args)
    if "placeholder" in keywords:
        yield "placeholder", keywords["placeholder"]


def check_source(source: str, file: str, *, others: dict[str, str] | None = None) -> list[Finding]:
    """The findings of one file (``others``: the sources of the files it imports by module
    name, e.g. ``{"_common": ...}``, to follow ``common.x(...)``)."""
    modules: dict[str, _Module] = {}
    for name, text in (others or {}).items():
        modules[name] = _Module(name, ast.parse(text), modules)
    name = file.rsplit("/", 1)[-1].removesuffix(".py")
    module = modules[name] = _Module(name, ast.parse(source), modules)
    safe = _Safety(module)
    findings = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Call):
            continue
        call = ast.unparse(node.func)
        for kind, arg in _places(node):
            if not safe(arg):
                problem = f"{kind} is rendered as Markdown: wrap data in md_text() or use t_md()"
                findings.append(Finding(file, arg.lineno, call, ast.unparse(arg), problem))
        for kind, arg in _plain_places(node):
            if _escapes(arg):
                problem = f"{kind} is shown as text: escaped values would show backslashes"
                findings.append(Finding(file, arg.lineno, call, ast.unparse(arg), problem))
        if any(
            k.arg == "unsafe_allow_html"
            and not (isinstance(k.value, ast.Constant) and not k.value.value)
            for k in node.keywords
        ):
            findings.append(
                Finding(file, node.lineno, call, "unsafe_allow_html", "raw HTML is never allowed")
            )
    return sorted(findings, key=lambda f: (f.file, f.line, f.argument))


# ----------------------------------------------------------------------------- rendered Markdown

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(.+?)(?<!`)\1(?!`)", re.S)
_WORD_JOINER = "\u2060"
LEAKS = {
    "image": re.compile(r"!\["),
    "link": re.compile(r"\]\(|\]\[|<[a-z][a-z0-9+.-]*:", re.I),
    "raw HTML": re.compile(r"<[!?/]?[a-z]", re.I),
    "directive": re.compile(r":[a-z][a-z0-9-]*\["),
    "icon name": re.compile(r":material/"),  # Streamlit rewrites it before parsing
    "maths": re.compile(r"\$"),
    "heading": re.compile(r"(?m)^ {0,3}#{1,6}(?:[ \t]|$)"),
}
"""Markup that must never render from user data: any unescaped occurrence in a Markdown
source (escaped characters and code spans are text)."""
TEXT_LEAKS = {
    "bare link": re.compile(r"(?:https?://|www(?=\.))[-.\w]+", re.I | re.A),
    "e-mail link": re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.A),
    "icon": re.compile(r":material_\w+:|:streamlit:"),
}
"""What Streamlit's renderer finds in the text after escapes are resolved (GFM bare links,
icon codes): escapes do not stop these, only a character between (``md_text``'s word joiner)."""


def _without_escapes(source: str) -> str:
    """``source`` with code spans and backslash-escaped characters blanked out."""
    source = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), source)
    return _ESCAPED.sub("  ", source)


def _text_nodes(source: str) -> str:
    """The text of ``source`` outside code spans, escapes resolved, word joiners kept."""
    source = _CODE_SPAN.sub(lambda m: " ", source)
    return _ESCAPED.sub(r"\1", source)


def markup_leaks(source: str) -> list[str]:
    r"""What would render as markup from ``source`` (Markdown as Streamlit receives it).

    >>> markup_leaks("File: ![f](https://x.example/a.png)")
    ['image', 'link', 'bare link']
    >>> markup_leaks(r"File: \!\[f\]\(https\:\/\/x\.example\/a\.png\)")
    ['bare link']
    >>> markup_leaks("File: \\!\\[f\\]\\(https\\:\u2060\\/\\/x\\.example\\/a\\.png\\)")
    []
    """
    syntax = _without_escapes(source)
    text = _text_nodes(source)
    return [name for name, pattern in LEAKS.items() if pattern.search(syntax)] + [
        name for name, pattern in TEXT_LEAKS.items() if pattern.search(text)
    ]


def shown_text(source: str) -> str:
    r"""The text ``source`` shows (escapes and code fences removed, word joiners dropped).

    >>> shown_text(r"文件：\!\[f\]\(x\) ``a`b``")
    '文件：![f](x) a`b'
    """
    shown, end = [], 0
    for match in _CODE_SPAN.finditer(source):
        shown.append(_ESCAPED.sub(r"\1", source[end : match.start()]))
        content = match.group(2)
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]  # CommonMark drops one space on each side
        shown.append(content)
        end = match.end()
    shown.append(_ESCAPED.sub(r"\1", source[end:]))
    return "".join(shown).replace(_WORD_JOINER, "")


def markdown_sources(at: Any) -> list[tuple[str, str]]:
    """Every Markdown source an ``AppTest`` run sends to the browser, as ``(place, source)``:
    text elements, headings, alerts, toasts, labels, tooltips, metric values and deltas,
    expander and tab labels, options of radios and button groups (not selectbox options,
    placeholders or dataframes, which show text as is)."""
    from streamlit.testing.v1 import element_tree as tree

    found: list[tuple[str, str]] = []

    def add(place: str, value: object) -> None:
        if isinstance(value, str) and value:
            found.append((place, value))

    for node in at._tree:
        kind = type(node).__name__
        proto = getattr(node, "proto", None)
        if isinstance(node, tree.Block):
            add(f"{kind} label", getattr(node, "label", None))
            continue
        if proto is None or isinstance(node, tree.Dataframe | tree.Text | tree.Code | tree.Json):
            continue
        fields = proto.DESCRIPTOR.fields_by_name
        for field in ("body", "label", "help", "delta"):
            if field in fields and fields[field].type == fields[field].TYPE_STRING:
                add(f"{kind} {field}", getattr(proto, field))
        if isinstance(node, tree.Radio):
            for option in proto.options:
                add(f"{kind} option", option)
            for caption in getattr(proto, "captions", []):
                add(f"{kind} caption", caption)
        if isinstance(node, tree.ButtonGroup):
            for option in proto.options:
                add(f"{kind} option", option.content)
        if isinstance(node, tree.SelectSlider):
            for option in proto.options:
                add(f"{kind} option", option)
    return found


# ----------------------------------------------------------------------------- payload data

FILE = "![f](https://evil.example/x.png) orders.csv"
"""A file name that loads an image from evil.example where it is rendered as Markdown."""
LINK = "[click](javascript:alert(1))"
HTML = "<img src=https://evil.example/y.png>"
DIRECTIVE = ":red[boom]"
HEADING = "# big"
MATHS = "$x^2$"
PAYLOADS = (LINK, HTML, DIRECTIVE, HEADING, MATHS)
IMAGE_NAME = "![n](https://evil.example/n.png)"
"""The name of the customer the page tests open."""
AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

MARKDOWN_PAYLOADS = [
    "![f](https://evil.example/x.png) orders.csv",
    "[click](javascript:alert(1))",
    "<img src=https://evil.example/y.png>",
    ":red[boom]",
    ":material/home: :material_home: :streamlit:",
    "# big",
    "$x^2$",
    "$$x^2$$",
    "**bold** _it_ ~~gone~~ `code`",
    "> quote",
    "- item",
    "1. item",
    "===",
    "| a | b |",
    "&lt;b&gt; &#x3C;",
    "www.evil.example a@evil.example https://evil.example",
    "a\\*b\\",
    "two\nlines\r\n# heading",
    "<https://evil.example>",
    "[x]: https://evil.example",
    "![f][x]",
    "{==}",
    "张三 :blue-background[x] :small[y]",
]
"""Values that would render as markup: every kind Streamlit's Markdown knows."""


def _csv(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join(str(v) for v in row) for row in rows).encode() + b"\n"


def build_payload_workspace(root: Path) -> tuple[Path, str]:
    """A resolved workspace under ``root`` whose values are Markdown (customer names, products,
    feedback, notes, tags, a consent note, file names, the importing user), in a folder whose
    path is Markdown too; returns its path and the unified id of the customer named
    :data:`IMAGE_NAME`."""
    from cimlab import consent, identity, tags
    from cimlab.ingest.importer import check_bytes, store_report
    from cimlab.workspace import Workspace

    path = root / "![w](https:" / "evil.example" / "w.png) ws"
    ws = Workspace.open(path, create=True)
    names = [IMAGE_NAME, *PAYLOADS]
    customers = [["customer_id", "name", "phone", "city"]] + [
        [f"c{i}", name, f"1380013800{i}", MATHS] for i, name in enumerate(names)
    ]
    head = "order_id line_number customer_id order_date sku product_name quantity amount currency"
    orders: list[list[object]] = [[*head.split(), "status"]]
    products = [("S1", LINK), ("S2", HTML), ("S3", DIRECTIVE)]
    for i in range(len(names)):
        for month in (1, 2):
            order = f"O{i}{month}"
            for line, (sku, product) in enumerate(products[: 2 + (i + month) % 2], start=1):
                when = f"2026-0{month}-1{i} 10:00"
                orders.append([order, line, f"c{i}", when, sku, product, 1, 10 + i, "CNY", "paid"])
    feedback = [["feedback_id", "customer_id", "ts", "nps", "csat", "complaint", "text"]] + [
        [f"F{i}", f"c{i}", f"2026-02-2{i} 09:00", i, 2, "yes", name] for i, name in enumerate(names)
    ]
    interactions = [["interaction_id", "customer_id", "ts", "type", "note"]] + [
        [f"I{i}", f"c{i}", f"2026-02-2{i} 11:00", "call", name] for i, name in enumerate(names)
    ]
    for table, rows, file in (
        ("customers", customers, FILE.replace("orders", "customers")),
        ("orders", orders, FILE),
        ("feedback", feedback, f"{DIRECTIVE}.csv"),
        ("interactions", interactions, f"{HTML}.csv".replace("/", "")),
    ):
        report = check_bytes(_csv(rows), name=file, table=table, channel="online_shop")
        store_report(ws, report, user=LINK, at=AT)
    identity.resolve(ws, at=AT)
    cmap = identity.customer_map(ws)
    customer_id = cmap.filter(source_customer_id="c0")["customer_id"][0]
    tags.add_tags(ws, customer_id, [DIRECTIVE, HEADING], at=AT, user=LINK)
    consent.set_consent(ws, customer_id, "sms", granted=False, at=AT, user=LINK, note=HTML)
    return path, customer_id
