"""The language check before extraction (a stopword-ratio heuristic), and the extraction page people read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from skillatlas.db import unit_of_work
from skillatlas.intelligence import language
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import create_user, login, use_csrf

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"

# One sentence of a real-looking job ad per language the check knows.
ADS = {
    "de": "Wir suchen für unsere Werkstatt in Stuttgart einen Hochvolt-Techniker (m/w/d), der die Diagnose "
    "und Reparatur von Batteriemanagementsystemen übernimmt und Erfahrung mit Elektrofahrzeugen hat.",
    "en": "We are looking for a high-voltage battery technician to diagnose and repair the battery management "
    "systems of our electric vans in the workshop.",
    "fr": "Nous recherchons un technicien haute tension pour le diagnostic et la réparation des systèmes de "
    "gestion de batterie dans notre atelier.",
    "it": "Cerchiamo un tecnico ad alta tensione per la diagnosi e la riparazione dei sistemi di gestione "
    "della batteria nella nostra officina.",
    "es": "Buscamos un técnico de alta tensión para el diagnóstico y la reparación de los sistemas de gestión "
    "de baterías en nuestro taller.",
    "ro": "Căutăm un tehnician de înaltă tensiune pentru diagnosticarea și repararea sistemelor de "
    "management al bateriei în atelierul nostru.",
    "cs": "Hledáme technika vysokého napětí pro diagnostiku a opravy systémů řízení baterií v naší dílně, "
    "který bude pracovat s námi.",
    "pl": "Szukamy technika wysokiego napięcia do diagnostyki i naprawy systemów zarządzania bateriami w "
    "naszym warsztacie, który będzie pracował z nami.",
}


@pytest.mark.parametrize("code", sorted(ADS))
def test_each_language_is_told_by_its_function_words(code: str) -> None:
    found = language.detect(ADS[code])
    assert found is not None and found.code == code, (code, language.shares(ADS[code]))


def test_a_german_ad_sentence_is_named_german() -> None:
    found = language.not_english(ADS["de"])
    assert found is not None and found.name == "German" and found.share >= language.MIN_SHARE


def test_english_is_never_stopped() -> None:
    assert language.not_english(ADS["en"]) is None
    # an English ad naming a German firm and a German title stays English
    mixed = (
        "Our client, Müller Automobil GmbH in München, is looking for a Kfz-Meister to lead the workshop "
        "and train the apprentices in the use of diagnostic equipment."
    )
    assert language.not_english(mixed) is None


@pytest.mark.parametrize(
    "text",
    [
        "Batteriemanagementsysteme",  # one word: too short to tell
        "LIN-Bus, AUTOSAR, ISO 26262, Batteriemanagement, Hochvolt, MATLAB, Simulink, Python, Diagnose",
        "",
    ],
)
def test_what_it_cannot_tell_it_does_not_guess(text: str) -> None:
    assert language.detect(text) is None and language.not_english(text) is None


def test_the_function_word_lists_share_no_word() -> None:
    seen: dict[str, str] = {}
    for code, words in language.FUNCTION_WORDS.items():
        for word in words:
            assert word not in seen, (word, code, seen[word])
            seen[word] = code


# --- the extraction page -------------------------------------------------------------------------


@pytest.fixture
def esco(sessions) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def test_the_page_names_the_language_instead_of_guessing(client: TestClient, esco: None) -> None:
    use_csrf(client)
    page = client.post("/intelligence/extract", data={"text": ADS["de"]})
    assert page.status_code == 200
    assert "This text seems to be in German" in page.text
    assert 'class="skills-found"' not in page.text  # no guessed English skills
    assert ADS["de"][:40] in page.text  # the text is kept in the form
    # a wrong call can be overridden
    anyway = client.post("/intelligence/extract", data={"text": ADS["de"], "anyway": "1"})
    assert anyway.status_code == 200 and 'class="skills-found"' in anyway.text
    assert "This text seems to be in" not in anyway.text


def test_the_results_read_as_words_with_links_and_evidence(client: TestClient, esco: None) -> None:
    use_csrf(client)
    text = "Our team builds packs for electric vans.\nYou will own the battery management systems and check battery fluids."
    page = client.post("/intelligence/extract", data={"text": text}).text
    table = re.search(r'<table class="skills-found">(.*?)</table>', page, re.S)
    assert table, page
    rows = table.group(1)
    assert re.search(r'<a href="/skills/\d+">battery management systems</a>', rows)
    bms_row = next(r for r in rows.split("</tr>") if ">battery management systems</a>" in r)
    assert "strong match" in bms_row  # the text names it word for word
    assert not re.search(r"\b\d\.\d{2,}\b", rows), "a raw score is shown"
    # the evidence sentence, highlighted beside the skill and numbered in the text
    assert "<mark>You will own the battery management systems and check battery fluids.</mark>" in rows
    assert re.search(r'href="#evidence-1"', rows) and 'id="evidence-1"' in page
    assert "Add the ticked skills to my profile" not in page  # a visitor is asked to log in instead
    assert "Log in</a> to add these skills" in page


def test_adding_the_ticked_skills_leads_to_my_skills(client: TestClient, sessions, esco: None) -> None:
    create_user(sessions, "ana@example.org", {"role": "worker"})
    login(client, "ana@example.org")
    page = client.post("/intelligence/extract", data={"text": "You will own the battery management systems."})
    assert "Add the ticked skills to my profile" in page.text and 'href="/my/skills"' in page.text
    uri = re.search(r'name="skill" value="([^"]+)"', page.text).group(1)
    added = client.post("/intelligence/extract/accept", data={"skill": [uri], "level": "practitioner"})
    assert added.status_code == 200 and "1 skill(s) added to your profile" in added.text
    assert '<a href="/my/skills">See and edit them in My skills</a>' in added.text
