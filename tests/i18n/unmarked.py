"""Finds interface text that is not marked for translation.

Templates: the source is lexed by Django's own lexer; translate and blocktranslate blocks,
comments and every ``{{ }}`` / ``{% %}`` are taken out, and what remains is parsed as HTML. Any
word left in a text node, or in an attribute people read (``title``, ``aria-label``,
``placeholder``, ``alt``), was typed in English and never marked.

Python: string literals handed straight to the places whose text reaches a page: field labels and
help texts, verbose names, admin descriptions, choices' labels, widget placeholders, validation
errors, workflow errors, permission reasons and messages. A literal wrapped in ``gettext`` (or
``_``) is not a bare literal, so it passes. Exception texts (``Http404``, ``PermissionDenied``)
are not checked: the error pages never show them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

WORD = re.compile(r"[^\W\d_]{2,}")
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
#: text that is the same in every language
NOT_WORDS = {"CSV", "JSON", "ISO3", "ISO", "UN", "SHA-256"}
HOLE = "\x00"


@dataclass(frozen=True)
class Unmarked:
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r}"


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.found.append(data)


URL = re.compile(r"\bhttps?://\S*")


def _has_words(text: str) -> bool:
    text = URL.sub(" ", text.replace(HOLE, " "))
    for allowed in NOT_WORDS:
        text = text.replace(allowed, " ")
    return bool(WORD.search(text))


def template_unmarked(path: Path, root: Path) -> list[Unmarked]:
    """Unmarked text in one template."""
    source = path.read_text(encoding="utf-8")
    parts: list[str] = []
    depth = 0  # inside blocktranslate or comment: the text is marked or hidden
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans", "comment", "verbatim"):
                depth += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment", "endverbatim"):
                depth -= 1
            parts.append(HOLE)
        elif token.token_type == TokenType.TEXT and depth == 0:
            parts.append(token.contents)
        else:
            parts.append(HOLE)
    collector = _TextCollector()
    collector.feed("".join(parts))
    where = str(path.relative_to(root))
    return [Unmarked(where, text.strip()) for text in collector.found if _has_words(text)]


#: keyword arguments whose text is shown to people
SHOWN_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "description",
    "empty_label",
    "placeholder",
    "title",
    "empty_value_display",
    "message",
}
#: callables whose first (or given) positional argument is shown to people
SHOWN_CALLS = {
    "ValidationError": 0,
    "WorkflowError": 0,
    "HttpResponseBadRequest": 0,
    "HttpResponseForbidden": 0,
    "Answer": 1,
    "success": 1,
    "error": 1,
    "info": 1,
    "warning": 1,
    "message_user": 1,
    "add_error": 1,
    "RegexValidator": 1,
}
ATTRIBUTE_KEYS = {"placeholder", "title", "aria-label", "alt"}


def _bare(node: ast.AST) -> str | None:
    """The text of a bare string literal or f-string (not wrapped in a call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return (
            "".join(part.value for part in node.values if isinstance(part, ast.Constant)) or "{...}"
        )
    return None


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def python_unmarked(path: Path, root: Path) -> list[Unmarked]:
    """Unmarked text in one Python module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(root))
    found: list[Unmarked] = []

    def flag(node: ast.AST, text: str | None):
        if text is not None and _has_words(text):
            found.append(Unmarked(f"{where}:{node.lineno}", text))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _callee(node)
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS:
                    flag(keyword.value, _bare(keyword.value))
                if keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                    for value in keyword.value.values:
                        flag(value, _bare(value))
            index = SHOWN_CALLS.get(name)
            if index is not None and len(node.args) > index:
                flag(node.args[index], _bare(node.args[index]))
            func = node.func
            if (  # models.CharField("verbose name", ...), forms.CharField(...)
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in ("models", "forms")
                and func.attr.endswith("Field")
                and node.args
            ):
                flag(node.args[0], _bare(node.args[0]))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ATTRIBUTE_KEYS:
                    flag(value, _bare(value))
        elif isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Attribute) and base.attr in ("TextChoices", "IntegerChoices")
            for base in node.bases
        ):
            for statement in node.body:  # NAME = "value", "Label"
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    elements = statement.value.elts
                    if len(elements) == 2:
                        flag(elements[1], _bare(elements[1]))
    return found


#: code whose text people never read in a page: machine output, command-line tools, migrations
PYTHON_SKIPPED = ("migrations", "management", "tests", "bench")


def project_unmarked(root: Path) -> list[Unmarked]:
    """Every unmarked string of the project's templates and Python code."""
    found: list[Unmarked] = []
    for path in sorted((root / "templates").rglob("*.html")):
        found += template_unmarked(path, root)
    for package in ("recommendations", "tracker"):
        for path in sorted((root / package).rglob("*.py")):
            if not any(part in PYTHON_SKIPPED for part in path.relative_to(root).parts):
                found += python_unmarked(path, root)
    return found
