"""The pages, step by step, as an organisation manager: from /home to the results, through every form's errors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.innovation import service
from skillatlas.innovation.models import Clause
from tests.browser.page_checks import problems_in
from tests.conftest import create_user, login
from tests.innovation.conftest import LEVELS


def _question_ids(page: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'name="q(\d+)-level"', page)))


def test_a_manager_runs_an_assessment_on_the_pages(
    client: TestClient, sessions: sessionmaker[Session], question_set: int
) -> None:
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": "aco"})
    login(client, "boss@test.example")
    home = client.get("/home").text
    assert 'href="/innovation"' in home  # the menu entry
    start = client.get("/innovation")
    assert start.status_code == 200 and "Start the assessment" in start.text
    # the sector is required: the form again, the message beside the field
    again = client.post("/innovation/assessments", data={"organisation": "aco", "size": "medium"})
    assert again.status_code == 422 and 'id="f-sector-error"' in again.text
    started = client.post("/innovation/assessments", data={"organisation": "aco", "sector": "association",
                                                           "size": "small"}, follow_redirects=False)  # fmt: skip
    assert started.status_code == 303
    overview_url = started.headers["location"]
    assessment_id = int(overview_url.rsplit("/", 1)[1])
    # the inbox now holds the assessment in progress
    assert f'href="{overview_url}"' in client.get("/home").text
    for index, clause in enumerate(Clause):
        url = f"{overview_url}/clauses/{clause.value}"
        page = client.get(url)
        assert page.status_code == 200 and clause.title in page.text
        ids = _question_ids(page.text)
        assert len(ids) == 2
        form = {f"q{q}-level": str(level) for q, level in zip(ids, LEVELS[clause], strict=True)}
        form["then"] = "next"
        files = None
        if index == 0:
            # evidence without a level, a bad link, a file too large, a file of an unknown kind: each named
            bad = {f"q{ids[0]}-level": "1", f"q{ids[1]}-text": "our policy", f"q{ids[0]}-url": "not a link"}
            again = client.post(url, data=bad)
            assert again.status_code == 422
            assert (
                f'id="f-q{ids[1]}-level-error"' in again.text and f'id="f-q{ids[0]}-url-error"' in again.text
            )
            big = b"x" * (service.MAX_EVIDENCE_BYTES + 1)
            again = client.post(
                url, data=form, files={f"q{ids[0]}-file": ("big.pdf", big, "application/pdf")}
            )
            assert (
                again.status_code == 422
                and f'id="f-q{ids[0]}-file-error"' in again.text
                and "2 MB" in again.text
            )
            again = client.post(
                url, data=form, files={f"q{ids[0]}-file": ("run.exe", b"MZ", "application/octet-stream")}
            )
            assert again.status_code == 422 and "PDF" in again.text
            form[f"q{ids[0]}-text"] = "Our trend radar, updated each quarter."
            form[f"q{ids[0]}-url"] = "https://example.org/radar"
            files = {f"q{ids[0]}-file": ("radar.pdf", b"%PDF-1.4 radar", "application/pdf")}
        if index == 1:  # completing before every clause is answered: refused, in words
            refused = client.post(f"{overview_url}/complete")
            assert refused.status_code == 422 and "not answered yet" in refused.text
        saved = client.post(url, data=form, files=files, follow_redirects=False)
        assert saved.status_code == 303, saved.text
    first = client.get(f"{overview_url}/clauses/context").text
    assert (
        "Our trend radar" in first and "radar.pdf" in first and 'value="https://example.org/radar"' in first
    )
    assert "14 of 14 questions answered" in client.get(overview_url).text
    done = client.post(f"{overview_url}/complete", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("/results")
    results = client.get(done.headers["location"]).text
    # what the crawl checks on every page: no internal words, no numbers as Python prints them
    for url in ("/innovation", overview_url, f"{overview_url}/clauses/support", "/innovation/questions"):
        assert problems_in(client.get(url).text) == [], url
    assert problems_in(results) == []
    assert '<svg class="radar"' in results and 'role="img"' in results and "<desc" in results
    table = results[results.index('<table id="scores"') :]
    assert "Operations and innovation processes" in table and "45.3" in results
    assert "Not enough peers" in results  # nobody else is an association in Austria's size group here
    assert re.search(r'<ul id="gaps">.*Operations.*Leadership.*Improvement', results, re.S)
    assert "BAT-201" in results and 'id="ask-expert"' in results
    # finished: the clause pages show the answers without a save button, and the API agrees on the score
    assert "Save and" not in client.get(f"{overview_url}/clauses/planning").text
    assert client.get(f"/api/innovation/assessments/{assessment_id}/results").json()["overall"] == 45.3
    # the inbox item is gone
    assert f'href="{overview_url}"' not in client.get("/home").text
