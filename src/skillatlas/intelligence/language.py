"""Which language a text is written in, told cheaply by its function words (a stopword-ratio heuristic).

Skill extraction searches the English ESCO labels: its lexical half (BM25) matches English words only, and its
defaults were chosen on English texts (bench/skill_extraction.py). A German or Polish job ad gives a list of
loosely related English skills that look like an answer but are guesses. So the extraction page first asks
this module which language the text is in, and names it instead of guessing.

The heuristic: every language has a few dozen short words (articles, prepositions, conjunctions, pronouns;
we add the words for "experience" and "knowledge", which nearly every job ad uses) that make up a large share
of any running text: about a quarter to a third of English or German prose, and far less of a text in another
language. For each language below we count which share of the text's words are among *its* function words,
keeping only words that belong to one language alone (a word listed for two languages counts for neither;
words the Romance languages share, like "la" and "de", are not listed). The largest share wins if

- the text has at least `MIN_WORDS` words (a skill list or a job title has too few function words to tell),
- the winner's share is at least `MIN_SHARE` (a list of nouns, like "CAN bus, AUTOSAR, ISO 26262", is no
  language at all: we do not guess), and
- for any language but English, the share is at least `MARGIN` times English's (an English ad naming a German
  firm or a "Meister" stays English).

Anything else is "undetermined", and the text is treated as English: the check only ever stops a text it is
sure about, and the page offers "find skills anyway" for the rare wrong call. It is not a language identifier
for short strings; it is a guard against a whole job ad in another language.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from skillatlas.errors import InvalidInput

ENGLISH = "en"
MIN_WORDS = 8
MIN_SHARE = 0.08
MARGIN = 2.0

NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "es": "Spanish",
    "ro": "Romanian",
    "cs": "Czech",
    "pl": "Polish",
}

_FUNCTION_WORDS = {
    "en": """the and of to in a an is are be been for with on as at by from you we our your will this that these
        those or not it its have has who which would should can may must they their there what about into""",
    "de": """der die das und ist zu den dem des mit von für auf im ein eine einen einem einer nicht wir sie bei
        als auch oder werden wird ihre ihr unsere unser unseren über sind haben hat sich zum zur nach aus wie
        dass bzw sowie durch kenntnisse erfahrung""",
    "fr": """le les et est des du un une pour dans avec sur au aux vous nous par qui que ne pas sont être ou votre
        notre ce cette ces leur sera dont chez très""",
    "it": """il lo gli e di del della delle dei degli per con che è sono nel nella nelle non ai al alla alle
        anche un una uno questo questa nostro nostra vostra essere sarà presso""",
    "es": """el los las y del en para con por que es son su sus al como más nuestro nuestra nuestros será
        experiencia conocimientos usted""",
    "ro": """și şi în cu pe este sunt pentru care din ale al ai să nu mai sau noastre nostru noastră unei
        unui această acest vor fi experiență cunoștințe""",
    "cs": """je se na v ve že s z do pro jako jsou od po ke k nebo který která které naše našeho také při až
        podle bude budete vaše znalost zkušenosti""",
    "pl": """i w na z do się jest że to nie od po jak dla przez oraz lub który która które są być nasz nasza
        naszego będzie będziesz znajomość doświadczenie""",
}


def _distinct(table: dict[str, str]) -> dict[str, frozenset[str]]:
    """Each language's function words, less those another language of the table shares."""
    words = {code: set(text.split()) for code, text in table.items()}
    seen = Counter(word for group in words.values() for word in group)
    return {code: frozenset(w for w in group if seen[w] == 1) for code, group in words.items()}


FUNCTION_WORDS = _distinct(_FUNCTION_WORDS)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True, slots=True)
class Detection:
    """The language found, with the share of the text's words that are its function words."""

    code: str
    share: float
    words: int

    @property
    def name(self) -> str:
        return NAMES[self.code]

    @property
    def english(self) -> bool:
        return self.code == ENGLISH


def shares(text: str) -> tuple[int, dict[str, float]]:
    """The number of words of the text, and per language the share of them that are its function words."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words:
        return 0, dict.fromkeys(FUNCTION_WORDS, 0.0)
    counts = Counter(words)
    total = len(words)
    return total, {
        code: sum(n for word, n in counts.items() if word in group) / total
        for code, group in FUNCTION_WORDS.items()
    }


def detect(text: str) -> Detection | None:
    """The language of the text, or None when the heuristic cannot be sure (see the module's notes)."""
    total, share = shares(text)
    if total < MIN_WORDS:
        return None
    code = max(share, key=lambda c: (share[c], c == ENGLISH))
    if share[code] < MIN_SHARE:
        return None
    if code != ENGLISH and share[code] < MARGIN * share[ENGLISH]:
        return None
    return Detection(code=code, share=round(share[code], 3), words=total)


def not_english(text: str) -> Detection | None:
    """The language the text is written in when the check is sure it is not English; else None."""
    found = detect(text)
    return found if found is not None and not found.english else None


class OtherLanguage(InvalidInput):
    """The text is in a language the skill model does not read: every door says so, naming the language."""

    code = "other_language"

    def __init__(self, found: Detection) -> None:
        super().__init__(message(found), field="text")
        self.language = found


def message(found: Detection) -> str:
    """The one sentence every door shows for a text in another language."""
    return (
        f"text: this text is in {found.name} ({found.share:.0%} of its {found.words} words are {found.name} "
        f"function words); skills are found in English texts only, because the skill model and the taxonomy "
        f"are English. Translate it, or ask to find skills anyway."
    )


def check_english(text: str) -> None:
    """Raises OtherLanguage when the check is sure the text is not English."""
    found = not_english(text)
    if found is not None:
        raise OtherLanguage(found)
