"""Every English text a subscriber page shows is marked for translation (`t()`/`tf()`), so it has Spanish.

An AST scan of the subscriber pages and components (not staff_*): a string literal with words, given
positionally or as a text keyword (`placeholder=`, `aria_label=`, `title=`, ...) to an rx component or to
one of the project's own component helpers, outside `t()`/`tf()`, is a text the Spanish reader would see
in English. So is a helper's default for such a parameter (`keep_label="Cancel"`).

What the scan cannot see: texts built in states (they go through `self._t(_("..."))`) and constants
passed by name (mark them `N_("...")` and show them with `t(NAME)`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("portal_app/pages", "portal_app/components")

# Subscriber pages other branches are translating (issue #16): the lead removes each entry as its
# branch merges. Nothing else belongs here.
NOT_YET_TRANSLATED = {
    "portal_app/pages/calendar.py",
    "portal_app/pages/cart.py",
    "portal_app/pages/email_links.py",
    "portal_app/pages/hold.py",
    "portal_app/pages/orders.py",
    "portal_app/pages/package_change.py",
    "portal_app/pages/scheduling.py",
    "portal_app/pages/services.py",
    "portal_app/pages/signup.py",
    "portal_app/pages/status.py",
    "portal_app/pages/tickets.py",
    "portal_app/components/outage_banner.py",
    "portal_app/components/tickets.py",
    "portal_app/components/tracker.py",
}

# Literals that read the same in every language, each with its reason.
ALLOWED = {
    "PDF": "the document format's name, the same in Spanish",
    "AutoPay": "the provider's product name (the seed's term), kept in Spanish",
    "Quick Pay": "the provider's product name (the seed's term), kept in Spanish",
    "1234 5678 9012 3456": "a card number's shape, not words",
    "English": "the language choice names each language in itself (components/language.py)",
    "Español": "the language choice names each language in itself (components/language.py)",
}

# Keyword arguments whose value a person reads (or hears: aria_label) or whose value is shown as text.
TEXT_KEYWORDS = {
    "placeholder", "aria_label", "title", "alt", "label", "description", "heading", "hint", "text", "empty",
    "confirm_label", "keep_label", "submit_label", "dead", "content", "tooltip",
}

# rx calls whose string arguments are names, not text (icons, colours, scripts, routes).
NOT_TEXT_CALLS = {"rx.icon", "rx.color", "rx.call_script", "rx.redirect", "rx.Var.create", "rx.script",
                  "rx.console_log", "rx.set_clipboard"}

# The page decorator's `title=` is the browser tab's title, compiled once per route outside the page's
# language (README "Languages": still English); its `nav_label=` is marked with N_ where it is given.
NOT_TEXT_HELPERS = {"portal_page", "page_template", "t", "tf", "say", "_", "N_", "as_written"}

WORDS = re.compile(r"[A-Za-z]")
NAME_LIKE = re.compile(r"^[a-z0-9_\-./:#?=&]*$")  # ids, field names, routes: lower-case, no spaces
CSS = re.compile(r"^\d[\d.]*(px|rem|em|%) ")  # a style value such as "1px solid "


def _files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).glob("*.py")
                  if not p.name.startswith("staff_") and p.name != "__init__.py")


def _helpers() -> set[str]:
    """The project's own component helpers: every function defined in the scanned files."""
    names: set[str] = set()
    for path in _files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
    return names - NOT_TEXT_HELPERS


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_text(value: object) -> bool:
    return (isinstance(value, str) and bool(WORDS.search(value)) and not NAME_LIKE.match(value) and not CSS.match(value)
            and value.strip(" ()·.:") not in ALLOWED)


def _literals(node: ast.expr):
    """String literals a value shows as they are: itself, the parts of a concatenation or f-string,
    both branches of an `x if c else y`. Calls are checked on their own (and t()/tf() are fine)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.JoinedStr):
        yield from (v for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def _call_arguments(call: ast.Call, name: str):
    if name == "rx.match":  # (value, text) pairs after the matched var: the values are keys
        for arg in call.args[1:]:
            if isinstance(arg, ast.Tuple) and arg.elts:
                yield from arg.elts[1:]
            else:
                yield arg
    else:
        yield from call.args
    yield from (kw.value for kw in call.keywords if kw.arg in TEXT_KEYWORDS)


def unmarked_texts(path: Path, helpers: set[str]) -> list[str]:
    found = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            shown = (name.startswith("rx.") and name not in NOT_TEXT_CALLS) or name in helpers
            if not shown:
                continue
            for arg in _call_arguments(node, name):
                found += [f"{where}:{lit.lineno}: {name}({lit.value!r})" for lit in _literals(arg)
                          if _is_text(lit.value)]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = node.args.args[len(node.args.args) - len(node.args.defaults):] + node.args.kwonlyargs
            defaults = list(node.args.defaults) + list(node.args.kw_defaults)
            for param, default in zip(params, defaults):
                if default is not None and param.arg in TEXT_KEYWORDS | {"keep_label", "label"}:
                    found += [f"{where}:{lit.lineno}: default {param.arg}={lit.value!r}" for lit in _literals(default)
                              if _is_text(lit.value)]
    return found


def test_subscriber_pages_mark_every_text_for_translation() -> None:
    helpers = _helpers()
    unmarked = [line for path in _files() if str(path.relative_to(ROOT)) not in NOT_YET_TRANSLATED
                for line in unmarked_texts(path, helpers)]
    assert not unmarked, ("English shown to subscribers without t()/tf() (mark it, then `make translations` "
                          "and add its Spanish):\n" + "\n".join(unmarked))


def test_not_yet_translated_lists_only_files_that_still_need_it() -> None:
    """An entry whose file is translated (or gone) is stale: remove it, so the scan covers that page."""
    helpers = _helpers()
    stale = [name for name in sorted(NOT_YET_TRANSLATED)
             if not (ROOT / name).is_file() or not unmarked_texts(ROOT / name, helpers)]
    assert not stale, f"translated now, remove from NOT_YET_TRANSLATED: {stale}"


def test_the_scan_finds_an_unmarked_text(tmp_path: Path) -> None:
    page = tmp_path / "probe.py"
    page.write_text(
        "import reflex as rx\n"
        "from portal_app.i18n import t\n"
        "def view():\n"
        "    return rx.vstack(rx.text('Pay now'), rx.text(t('Pay now')), rx.icon('file_text'),\n"
        "                     rx.input(placeholder='Your name', id='name-field'), rx.text('Receipt ' + x),\n"
        "                     card(rx.badge('PDF')), rx.match(s, ('pay', rx.text(t('Paid'))), rx.text('Open')))\n"
        "def card(*c, title='Details'):\n"
        "    return rx.box(*c)\n"
    )
    found = unmarked_texts(page, _helpers() | {"card"})
    texts = sorted(line.split(": ", 1)[1] for line in found)
    assert texts == ["default title='Details'", "rx.input('Your name')", "rx.text('Open')", "rx.text('Pay now')",
                     "rx.text('Receipt ')"]
