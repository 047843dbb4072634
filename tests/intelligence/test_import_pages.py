"""The office imports job ads in the browser: a check of every row first (nothing saved), then the import."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.intelligence import importing
from skillatlas.intelligence.models import JobAd, JobAdSkill
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import NOW, create_user, login

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"
GOOD = (
    "id,date,country,title,text\n"
    'p1,2026-01-10,DE,Battery engineer,"You design battery packs. Battery management systems experience is a must."\n'
    "p2,2026-02-11,de,BMS developer,Develop battery management systems for electric cars.\n"
    'p3,2026-03-12,RO,Battery technician,"Check battery fluids and maintain battery management systems."\n'
)
BAD = (
    "id,date,country,title,text\n"  # line 1
    "b1,2026-01-10,DE,Battery engineer,Battery design for electric vans.\n"  # line 2: good
    "b2,,DE,BMS developer,Develop battery management systems.\n"  # line 3: no date
    "b3,2026-02-11,XX,Battery technician,Check battery fluids.\n"  # line 4: unknown country
    "b4,2026-02-12,FR,Software analyst,\n"  # line 5: empty text
    "b1,2026-02-13,DE,Battery designer,Battery design again.\n"  # line 6: the id of line 2 again
    f"b6,2026-02-14,DE,{'T' * 301},Battery design.\n"  # line 7: title too long
    'b7,2026-02-15,DE,Battery designer,"A text over\ntwo lines."\n'  # lines 8-9: good
    "b8,2027-01-01,DE,Battery designer,Battery design.\n"  # line 10: in the future
    "b9,10/02/2026,DE,Battery designer,Battery design.\n"  # line 11: not a date
)
BAD_LINES = {
    3: "the date is missing",
    4: "unknown country “XX”",
    5: "the text is empty",
    6: "duplicate id “b1”: line 2 has it too",
    7: "the title is too long: 301 characters, at most 300",
    10: "the date 2027-01-01 is in the future",
    11: "the date “10/02/2026” is not a date like 2026-07-01",
}


@pytest.fixture
def esco(sessions) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


def preview(client: TestClient, content: str | bytes, name: str = "ads.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post("/intelligence/job-ads/preview", files={"file": (name, data, "text/csv")})


def token_of(page: str) -> str | None:
    match = re.search(r'name="token" value="([^"]+)"', page)
    return match.group(1) if match else None


def problems_of(page: str) -> list[str]:
    """The rows of the problems table: "line N | column | message"."""
    table = re.search(r'<table class="problems" id="problems">(.*?)</table>', page, re.S)
    if not table:
        return []
    rows = re.findall(r"<tr><td>(line \d+)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(1), re.S)
    return [f"{line} | {column} | {message}" for line, column, message in rows]


def count(sessions, model) -> int:
    with unit_of_work(sessions) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def kept_files(settings) -> list[Path]:
    directory = importing.uploads_dir(settings.data_dir)
    return sorted(directory.iterdir()) if directory.is_dir() else []


def test_the_check_lists_every_bad_row_by_line_and_saves_nothing(
    office_client: TestClient, esco: None, sessions, settings
) -> None:
    page = preview(office_client, BAD)
    assert page.status_code == 200
    listed = problems_of(page.text)
    assert len(listed) == len(BAD_LINES), listed
    for line, message in BAD_LINES.items():
        assert any(p.startswith(f"line {line} |") and message in p.replace("&amp;", "&") for p in listed), (
            line,
            listed,
        )
    assert "7 problems on 7 lines: nothing can be imported" in page.text
    # the counts, and the first rows as they will be read (country upper-cased, the two-line text whole)
    assert re.search(r"<b>9</b> rows read", page.text) and re.search(r"<b>2</b> new", page.text)
    assert "<td>8</td><td>b7</td><td>2026-02-15</td><td>DE</td>" in page.text
    # nothing saved, nothing kept, no import button
    assert count(sessions, JobAd) == 0 and kept_files(settings) == []
    assert token_of(page.text) is None and 'action="/intelligence/job-ads/import"' not in page.text


def test_json_lines_name_the_line_that_is_not_json(office_client: TestClient, esco: None, sessions) -> None:
    lines = [
        json.dumps({"id": 1, "date": "2026-01-10", "country": "DE", "title": "Battery engineer", "text": "Battery design."}),
        '{"id": 2, "date": "2026-01-11", "country": "DE", "title": "BMS developer" "text": "x"}',
        "",
        '["not", "an", "ad"]',
        json.dumps({"id": 4, "date": "2026-01-12", "title": "Battery technician", "text": "Battery fluids."}),
        json.dumps({"id": 5, "date": "2026-01-13", "country": "DE", "title": "Tester", "text": "x" * 100_001}),
    ]  # fmt: skip
    page = preview(office_client, "\n".join(lines) + "\n", name="ads.jsonl")
    listed = problems_of(page.text)
    assert [p.split(" | ")[0] for p in listed] == ["line 2", "line 4", "line 5", "line 6"], listed
    assert "not valid JSON" in listed[0] and "the whole line" in listed[0]
    assert "expected one job ad as a JSON object" in listed[1]
    assert listed[2] == "line 5 | country | the country is missing"
    assert "the text is too long: 100,001 characters, at most 100,000" in listed[3]
    assert count(sessions, JobAd) == 0


def test_a_whole_file_that_cannot_be_read_is_named_beside_the_field(
    office_client: TestClient, esco: None
) -> None:
    wrong_columns = preview(office_client, "when,where,what\n2026-01-01,DE,x\n")
    assert wrong_columns.status_code == 422
    assert (
        "missing: date, country, title, text" in wrong_columns.text
        and 'id="f-file-error"' in wrong_columns.text
    )
    latin1 = preview(
        office_client, "id,date,country,title,text\n1,2026-01-01,DE,Mécanicien,Réparer\n".encode("latin-1")
    )
    assert latin1.status_code == 422 and "not UTF-8 text" in latin1.text
    empty = office_client.post("/intelligence/job-ads/preview", files={"file": ("ads.csv", b"", "text/csv")})
    assert empty.status_code == 422 and "is empty" in empty.text


def test_a_good_file_imports_every_row_once(
    office_client: TestClient, esco: None, sessions, settings
) -> None:
    checked = preview(office_client, GOOD, name="march.csv")
    assert checked.status_code == 200 and problems_of(checked.text) == []
    assert re.search(r"<b>3</b> new", checked.text) and re.search(r"<b>0</b> imported before", checked.text)
    assert "<td>3</td><td>p2</td><td>2026-02-11</td><td>DE</td>" in checked.text  # read as it will be saved
    token = token_of(checked.text)
    assert token and len(kept_files(settings)) == 2  # the file and its note, nothing saved yet
    assert count(sessions, JobAd) == 0

    done = office_client.post("/intelligence/job-ads/import", data={"token": token})
    assert done.status_code == 200, done.text
    assert "Imported 3 job ads" in done.text and "/intelligence/demand?start=" in done.text
    assert count(sessions, JobAd) == 3 and count(sessions, JobAdSkill) >= 3
    with unit_of_work(sessions) as db:
        assert sorted(db.scalars(select(JobAd.external_id))) == ["p1", "p2", "p3"]
        assert set(db.scalars(select(JobAd.source))) == {"march.csv"}
    assert kept_files(settings) == []  # removed once the import committed
    assert "march.csv" in done.text  # the recent imports
    # the kept file is gone: the same token imports nothing
    again = office_client.post("/intelligence/job-ads/import", data={"token": token})
    assert again.status_code == 422 and "no longer kept" in again.text

    # the same file again: all known, and importing it adds nothing
    second = preview(office_client, GOOD, name="march.csv")
    assert re.search(r"<b>0</b> new", second.text) and re.search(r"<b>3</b> imported before", second.text)
    repeat = office_client.post("/intelligence/job-ads/import", data={"token": token_of(second.text)})
    assert repeat.status_code == 200 and "Imported 0 job ads" in repeat.text
    assert count(sessions, JobAd) == 3

    demand = office_client.get("/intelligence/demand", params={"start": "2026-01-01", "end": "2026-05-31"})
    assert "battery management systems" in demand.text
    assert 'href="/intelligence/job-ads/import"' in demand.text


def test_the_import_checks_the_file_again_and_saves_all_or_nothing(
    office_client: TestClient, esco: None, sessions, settings
) -> None:
    token = token_of(preview(office_client, GOOD).text)
    assert token
    # the kept file changes between the check and the import (a bad row added): nothing is imported
    data = next(p for p in kept_files(settings) if p.suffix == ".upload")
    data.write_bytes(GOOD.encode() + b"p4,2026-03-13,ZZ,Tester,Test.\n")
    refused = office_client.post("/intelligence/job-ads/import", data={"token": token})
    assert refused.status_code == 422 and "line 5: unknown country" in refused.text
    assert count(sessions, JobAd) == 0 and count(sessions, JobAdSkill) == 0
    assert data.exists()  # given back, not lost: the same check again refuses the same way
    assert (
        "line 5: unknown country"
        in office_client.post("/intelligence/job-ads/import", data={"token": token}).text
    )


def test_a_spreadsheets_semicolons_and_capitals_are_read(office_client: TestClient, esco: None) -> None:
    excel = "\ufeffID;Date;Country;Title;Text\nx1;2026-01-10;DE;Battery engineer;Battery design, testing and repair.\n"
    page = preview(office_client, excel.encode("utf-8"))
    assert problems_of(page.text) == [] and re.search(r"<b>1</b> new", page.text)
    assert token_of(page.text)


def test_a_comma_in_an_unquoted_text_is_named(office_client: TestClient, esco: None) -> None:
    page = preview(
        office_client, "id,date,country,title,text\nx1,2026-01-10,DE,Engineer,Design, test, repair\n"
    )
    assert problems_of(page.text) == [
        "line 2 | the whole line | 7 values but 5 columns: put a text that holds a comma in double quotes"
    ]


def test_a_text_in_another_language_is_imported_with_a_warning(office_client: TestClient, esco: None) -> None:
    german = (
        "id,date,country,title,text\n"
        'g1,2026-01-10,DE,Hochvolt-Techniker,"Wir suchen einen Techniker für die Diagnose und Reparatur '
        'von Batteriesystemen in unserer Werkstatt. Sie haben Erfahrung mit Hochvolt und sind teamfähig."\n'
    )
    page = preview(office_client, german)
    assert problems_of(page.text) == [] and token_of(page.text)
    assert "line 2: the text seems to be German" in page.text


def test_the_template_file_is_a_good_file(office_client: TestClient, esco: None) -> None:
    template = office_client.get("/intelligence/job-ads/template.csv")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    assert "attachment" in template.headers["content-disposition"]
    page = preview(office_client, template.content, name="job-ads-template.csv")
    assert problems_of(page.text) == [] and re.search(r"<b>2</b> new", page.text)
    form = office_client.get("/intelligence/job-ads/import")
    assert form.status_code == 200 and 'href="/intelligence/job-ads/template.csv"' in form.text


def test_a_worker_may_not_import_and_sees_no_menu_entry(
    client: TestClient, sessions, esco: None, settings
) -> None:
    anonymous = client.get("/intelligence/job-ads/import", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    create_user(sessions, "worker@example.org", {"role": "worker"})
    login(client, "worker@example.org")
    assert client.get("/intelligence/job-ads/import").status_code == 403
    assert preview(client, GOOD).status_code == 403
    assert client.post("/intelligence/job-ads/import", data={"token": "a" * 32}).status_code == 403
    assert count(sessions, JobAd) == 0 and kept_files(settings) == []
    home = client.get("/intelligence/demand").text
    assert "Import job ads" not in home


def test_the_office_finds_the_import_in_its_menu(office_client: TestClient) -> None:
    page = office_client.get("/intelligence/demand").text
    assert '<a href="/intelligence/job-ads/import">Import job ads</a>' in page  # the menu, group "Office"


def test_the_page_counts_job_ads_per_month(office_client: TestClient, esco: None) -> None:
    token = token_of(preview(office_client, GOOD, name="q1.csv").text)
    office_client.post("/intelligence/job-ads/import", data={"token": token})
    page = office_client.get("/intelligence/job-ads/import").text
    months = dict(re.findall(r"<tr><td>(\w{3} \d{4})</td><td>([\d,]+)</td>", page))
    assert len(months) == 12 and list(months)[-1] == "Mar 2026"  # up to the newest ad's month
    assert (months["Jan 2026"], months["Feb 2026"], months["Mar 2026"], months["Dec 2025"]) == (
        "1",
        "1",
        "1",
        "0",
    )
    assert re.search(r"<td>q1.csv</td><td>3</td>", page)


def test_a_kept_upload_is_its_users_only_and_short_lived(tmp_path: Path) -> None:
    directory = tmp_path / "kept"
    token = importing.keep_upload(directory, user_id=7, filename="a.csv", content=b"abc", now=NOW)
    assert importing.kept_upload(directory, user_id=7, token=token, now=NOW) == ("a.csv", b"abc")
    with pytest.raises(InvalidInput):
        importing.kept_upload(directory, user_id=8, token=token, now=NOW)  # another user's
    for bad in ("../../etc/passwd", "", token + "x"):
        with pytest.raises(InvalidInput):
            importing.kept_upload(directory, user_id=7, token=bad, now=NOW)
    later = NOW + importing.UPLOAD_LIFE + dt.timedelta(minutes=1)
    with pytest.raises(InvalidInput):
        importing.kept_upload(directory, user_id=7, token=token, now=later)
    assert list(directory.iterdir()) == []  # an expired upload is removed
    # an old upload is removed when someone keeps a new one
    importing.keep_upload(directory, user_id=7, filename="old.csv", content=b"old", now=NOW)
    importing.keep_upload(directory, user_id=9, filename="new.csv", content=b"new", now=later)
    assert len(list(directory.iterdir())) == 2


def test_the_command_line_names_every_problem_by_line_too(tmp_path: Path, cli_env, sessions) -> None:
    from typer.testing import CliRunner

    from skillatlas.cli import app

    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        BAD.replace("2027-01-01", "2026-01-01"), encoding="utf-8"
    )  # the CLI's today is the real one
    checked = CliRunner().invoke(app, ["intelligence", "import-job-ads", "--dry-run", str(bad)])
    assert checked.exit_code == 2, checked.output
    for line in (3, 4, 5, 6, 7, 11):
        assert f"line {line}: {BAD_LINES[line]}" in checked.output.replace("\n", " ").replace("  ", " ")
    assert "6 problem(s) on 6 line(s): nothing imported" in checked.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    dry = CliRunner().invoke(app, ["intelligence", "import-job-ads", "--dry-run", str(good)])
    assert dry.exit_code == 0 and "would import 3 of 3 ads" in dry.output
    assert count(sessions, JobAd) == 0


def test_an_import_claims_the_kept_file_so_a_second_click_imports_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "kept"
    token = importing.keep_upload(directory, user_id=7, filename="a.csv", content=b"abc", now=NOW)
    assert importing.kept_upload(directory, user_id=7, token=token, now=NOW, claim=True) == ("a.csv", b"abc")
    with pytest.raises(InvalidInput, match="no longer kept"):
        importing.kept_upload(directory, user_id=7, token=token, now=NOW, claim=True)
    importing.release_upload(directory, user_id=7, token=token)  # the import failed: the user may try again
    assert importing.kept_upload(directory, user_id=7, token=token, now=NOW, claim=True) == ("a.csv", b"abc")
    importing.discard_upload(directory, user_id=7, token=token)
    assert list(directory.iterdir()) == []
