"""What every page must (not) show, and axe-core in the browser: shared by the crawl, layout and accessibility tests.

A page fails when it shows a stack trace, asks for a URI, or shows an internal word: an enum value or setting
with underscores, a Python repr, a solver's words, a number as Python prints it (`€1200.0`, a cell `450.0`). Text inside <code> and <pre> is
code on purpose and not checked. axe-core (tools/axe, from npm) checks WCAG 2.0/2.1 A and AA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEMO_PASSWORD = "asa-demo-2026"


# --- what a page shows -------------------------------------------------------------------------------


@dataclass
class Control:
    tag: str
    name: str
    type: str
    placeholder: str
    aria_label: str


@dataclass
class Shown:
    """A page as a reader meets it: its visible words, its links, its form controls and labels."""

    text: str = ""
    links: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    raw_numbers: list[str] = field(default_factory=list)  # text that is only a float as Python prints it


RAW_CELL = re.compile(r"^\s*(?:€\s?)?-?\d+\.(?:0|\d{4,})\s*$")


class _Reader(HTMLParser):
    # code and pre show code on purpose; script, style and template are not shown at all
    SILENT = frozenset({"script", "style", "template", "code", "pre", "textarea", "noscript"})
    SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown = Shown()
        self.parts: list[str] = []
        self.silent = 0
        self.label_depth = 0
        self.label_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.SILENT:
            self.silent += 1
        if tag == "a" and a.get("href"):
            self.shown.links.append(a["href"])
        if tag in ("input", "textarea", "select"):
            self.shown.controls.append(
                Control(tag, a.get("name", ""), a.get("type", "text").lower(), a.get("placeholder", ""),
                        a.get("aria-label", ""))
            )  # fmt: skip
        if tag == "label":
            self.label_depth += 1
        if a.get("type", "").lower() != "hidden":
            self.parts.extend(a[k] for k in self.SHOWN_ATTRIBUTES if a.get(k))
            if tag == "input" and a.get("type", "").lower() in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT and self.silent:
            self.silent -= 1
        if tag == "label" and self.label_depth:
            self.label_depth -= 1
            if not self.label_depth:
                self.shown.labels.append(" ".join(self.label_parts).strip())
                self.label_parts = []

    def handle_data(self, data: str) -> None:
        if not self.silent and RAW_CELL.match(data):
            self.shown.raw_numbers.append(data.strip())
        if self.label_depth:
            self.label_parts.append(data)
        if not self.silent:
            self.parts.append(data)


def read_page(html: str) -> Shown:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.shown.text = re.sub(r"\s+", " ", " ".join(reader.parts))
    return reader.shown


# Each: (what it is, pattern over the visible text).
TRACES = [
    ("a stack trace", re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")),
    ("an exception", re.compile(r"\b[A-Z]\w*(?:Error|Exception): ")),
]
INTERNAL = [
    ("an internal name with underscores", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")),
    ("a Python repr", re.compile(r"object at 0x|\bDecimal\(|\bdatetime\.(?:date|datetime)\(|\b[A-Z][a-z]\w*\.[A-Z][A-Z_]+\b|\{'")),
    ("a solver's words", re.compile(r"\bHiGHS\b|\bhighs\b|optimality gap|\bMIP\b", re.I)),
    ("a number that is not a number", re.compile(r"\b(?:nan|NaN|inf)\b")),
    # "€1200.0", "€99.5", "€1200", "72.0 hours", "0.87345": money and quantities as Python prints them
    ("a raw number", re.compile(r"€\s?\d+\.\d(?!\d)|€\s?\d{4,}|\b\d+\.0 (?:hours?|days?|ECTS|euros?|EUR)\b|\b\d+\.\d{5,}\b")),
]  # fmt: skip
URI_WORD = re.compile(r"\bURIs?\b", re.I)


def problems_in(html: str) -> list[str]:
    """What is wrong with a page that a reader would see: each problem with the words that show it."""
    shown = read_page(html)
    found = []
    for what, pattern in TRACES + INTERNAL:
        hits = sorted({m.group(0) for m in pattern.finditer(shown.text)})
        if hits:
            found.append(f"{what}: {', '.join(repr(h) for h in hits[:5])}")
    if shown.raw_numbers:
        found.append(f"a raw number: {', '.join(repr(n) for n in sorted(set(shown.raw_numbers))[:5])}")
    for control in shown.controls:
        if control.type == "hidden":
            continue
        if "uri" in control.name.lower() or URI_WORD.search(control.placeholder + " " + control.aria_label):
            found.append(f"a form field asks for a URI: <{control.tag} name={control.name!r}>")
    for label in shown.labels:
        if URI_WORD.search(label):
            found.append(f"a form field asks for a URI: label {label!r}")
    return found


# --- axe-core ----------------------------------------------------------------------------------------


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations of these impacts on the page as it is now, one line each."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in tools/axe")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the driver, not added as an inline <script>: the site's CSP refuses inline script.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in impacts:
            continue
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        lines.append(f"{violation['impact']} {violation['id']} ({violation['help']}): {targets}")
    return lines


def scrolls_sideways(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it does not scroll sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
