"""Merge fields: ``{{ contact.first_name | default("there") }}`` in Jinja2's
``SandboxedEnvironment``.

The fields a template may use are :data:`FIELDS` (``contact.*``, ``account.*``,
``sender.*``) and the company's custom fields as ``contact.cf.<key>`` /
``account.cf.<key>``. :func:`check` finds, before anything is saved or sent, a
syntax error or an unknown field or filter, each with its line. A field with no value
for a recipient renders empty (so ``default(...)`` applies). HTML bodies are
rendered with escaping and sanitised (``nh3``, the binding of the maintained
``ammonia`` sanitiser); a plain body is derived from the HTML (``inscriptis``) when
only HTML was given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import nh3
from inscriptis import get_text  # type: ignore[import-untyped]
from jinja2 import nodes
from jinja2.exceptions import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

FIELDS: dict[str, frozenset[str]] = {
    "contact": frozenset(
        {"first_name", "last_name", "name", "email", "title", "phone", "mobile", "time_zone"}
    ),
    "account": frozenset({"name", "domain", "industry", "size", "city", "region", "country"}),
    "sender": frozenset({"name", "first_name", "last_name", "email"}),
}
CUSTOM = "cf"
FILTERS = frozenset(
    {
        "default",
        "d",
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "truncate",
        "replace",
        "first",
        "last",
        "length",
        "join",
        "round",
        "int",
        "string",
        "wordcount",
        "e",
        "escape",
    }
)
PARTS = ("subject", "body_text", "body_html")

_TEXT = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
_HTML = SandboxedEnvironment(autoescape=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class Problem:
    part: str
    """``subject``, ``body_text`` or ``body_html``."""
    line: int | None
    message: str

    def describe(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str | None
    empty_fields: tuple[str, ...] = ()
    """Fields the template uses that have no value for this recipient."""


@dataclass(frozen=True)
class Source:
    subject: str
    body_text: str | None = None
    body_html: str | None = None

    def parts(self) -> Iterator[tuple[str, str]]:
        for part in PARTS:
            value = getattr(self, part)
            if value:
                yield part, value


@dataclass
class MergeData:
    contact: dict[str, Any] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)
    sender: dict[str, Any] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        return {
            "contact": _present(self.contact),
            "account": _present(self.account),
            "sender": _present(self.sender),
        }


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    """Without empty values: a field with none is undefined, so ``default`` applies."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            out[key] = _present(value)
        elif value is not None and value != "":
            out[key] = value
    return out


def _environment(part: str) -> SandboxedEnvironment:
    return _HTML if part == "body_html" else _TEXT


@functools.lru_cache(maxsize=512)
def _compiled(part: str, source: str) -> Any:
    return _environment(part).from_string(source)


def check(source: Source, custom: Mapping[str, set[str]]) -> list[Problem]:
    """Every problem of every part, each with its line (empty: it is fine)."""
    problems: list[Problem] = []
    for part, text in source.parts():
        env = _environment(part)
        try:
            tree = env.parse(text)
        except TemplateSyntaxError as exc:
            problems.append(Problem(part, exc.lineno, exc.message or "is not a valid template"))
            continue
        problems += [Problem(part, line, msg) for line, msg in _unknown(tree, custom)]
        if not any(p.part == part for p in problems):
            try:
                _compiled(part, text)
            except TemplateError as exc:
                problems.append(
                    Problem(part, getattr(exc, "lineno", None), str(exc.message or exc))
                )
    return problems


def _unknown(tree: nodes.Template, custom: Mapping[str, set[str]]) -> Iterator[tuple[int, str]]:
    local = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for used in tree.find_all(nodes.Filter):
        if used.name not in FILTERS:
            yield used.lineno, f"there is no filter named {used.name!r} here"
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in FIELDS and name.name not in local:
            known = ", ".join(f"{k}.…" for k in FIELDS)
            yield name.lineno, f"{name.name!r} is not a merge field (use {known})"
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        path = _path(node)
        if not path or path[0] not in FIELDS:
            continue
        kind, rest = path[0], path[1:]
        if not rest:
            continue
        if rest[0] == CUSTOM and kind in ("contact", "account"):
            if len(rest) >= 2 and rest[1] not in custom.get(kind, set()):
                yield node.lineno, f"{kind}.cf.{rest[1]} is not a custom field of {kind}s"
            continue
        if rest[0] not in FIELDS[kind]:
            yield (
                node.lineno,
                (
                    f"{kind}.{rest[0]} is not a merge field; {kind} has "
                    + ", ".join(sorted(FIELDS[kind]))
                    + (" and cf.<custom field>" if kind != "sender" else "")
                ),
            )


def _path(node: nodes.Node) -> list[str]:
    """``contact.cf.tier`` of an attribute or item chain; ``[]`` for anything else."""
    parts: list[str] = []
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            parts.append(node.arg.value)
        else:
            return []
        node = node.node
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return list(reversed(parts))
    return []


def used_fields(source: Source) -> set[str]:
    """``contact.first_name``-style paths the template reads."""
    used: set[str] = set()
    for part, text in source.parts():
        tree = _environment(part).parse(text)
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            path = _path(node)
            if len(path) >= 2 and path[0] in FIELDS:
                used.add(".".join(path[:3] if path[1] == CUSTOM else path[:2]))
    return used


def _value(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def render(source: Source, data: MergeData) -> Rendered:
    """Render for one recipient (call :func:`check` first)."""
    context = data.context()
    subject = " ".join(_compiled("subject", source.subject).render(context).split())
    html = None
    if source.body_html:
        html = sanitise(_compiled("body_html", source.body_html).render(context))
    if source.body_text:
        text = _compiled("body_text", source.body_text).render(context)
    else:
        text = plain_text(html or "")
    empty = tuple(sorted(p for p in used_fields(source) if _value(context, p) is None))
    return Rendered(subject=subject, body_text=text, body_html=html, empty_fields=empty)


def sanitise(html: str) -> str:
    """What is safe to send: no scripts, styles that run code, event handlers or
    ``javascript:`` links."""
    cleaned: str = nh3.clean(html, url_schemes={"http", "https", "mailto", "tel"})
    return cleaned


def plain_text(html: str) -> str:
    text: str = get_text(html)
    return text.strip() + "\n"
