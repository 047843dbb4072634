"""The shared form foundation (every error beside its field, in plain words), the menu per role, the personal home."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from skillatlas.errors import FormErrors
from skillatlas.validation import parse_input
from skillatlas.web.templating import field_error, money, number, percent, templates
from tests.conftest import create_user, login


class _Form(BaseModel):
    name: str = Field(min_length=1, max_length=10)
    starts_on: dt.date
    seats: int = Field(ge=1)
    mode: str = Field(pattern="^(online|on_site)$")


def test_every_bad_field_is_named_in_plain_words() -> None:
    with pytest.raises(FormErrors) as caught:
        parse_input(_Form, {"name": "x" * 11, "starts_on": "tomorrow", "seats": "zero"})
    errors = caught.value.errors
    assert set(errors) == {"name", "starts_on", "seats", "mode"}
    assert errors["starts_on"] == "Enter a date like 2026-07-01."
    assert errors["seats"] == "Enter a whole number."
    assert errors["name"] == "Enter at most 10 characters."
    assert errors["mode"] == "This is required."
    assert not any("Input should" in m for m in errors.values())
    body = caught.value.as_dict()
    assert body["code"] == "invalid" and len(body["errors"]) == 4


def test_a_nested_error_belongs_to_its_field_and_names_the_line() -> None:
    errors = {"availability.0.starts_on": "Enter a date like 2026-07-01."}
    assert field_error(errors, "availability") == "Line 1, starts on: Enter a date like 2026-07-01."
    assert field_error(errors, "avail") is None
    assert field_error({}, "availability") is None


def test_numbers_and_money_are_formatted() -> None:
    assert money(1200.0) == "€1,200"
    assert money(99.5) == "€99.50"
    assert money(None) == "–"
    assert number(1234567.8) == "1,234,568"
    assert percent(0.4567) == "46%"


def test_form_macros_show_each_error_beside_its_field_and_keep_the_input() -> None:
    page = templates.env.from_string(
        '{% from "macros.html" import field, textarea with context %}'
        '{{ field("name", "Name", values) }}{{ textarea("bio", "About", values) }}{{ field("city", "City", values) }}'
    ).render(values={"name": "Ann", "bio": "<b>x</b>"}, errors={"name": "Too short.", "bio": "Required."})
    assert re.search(r'id="f-name"[^>]*aria-describedby="f-name-error"[^>]*aria-invalid="true"', page)
    assert '<span class="field-error" id="f-name-error">Too short.</span>' in page
    assert 'id="f-bio-error">Required.' in page
    assert 'value="Ann"' in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "f-city-error" not in page


def test_a_bad_form_lists_every_error_beside_its_field(office_client: TestClient, demo: None) -> None:
    page = office_client.post("/organisations", data={"name": "", "type": "nonsense", "country": "ZZ"})
    assert page.status_code == 422
    assert "error-summary" in page.text
    assert page.text.count('class="field-error"') >= 2
    assert "Input should" not in page.text


def test_the_skill_picker_posts_pairs_and_keeps_them() -> None:
    from skillatlas.web.forms import skills_from_form

    values = {
        "skills.uri": ["u:a", "", "u:b", "u:a"],
        "skills.level": ["expert", "practitioner", "", "awareness"],
    }
    assert skills_from_form(values) == [{"uri": "u:a", "level": "expert"}, {"uri": "u:b"}]
    assert skills_from_form(values, default_level="awareness")[1] == {"uri": "u:b", "level": "awareness"}
    page = templates.env.from_string(
        '{% from "macros.html" import skill_picker with context %}{{ skill_picker("skills", selected) }}'
    ).render(selected=[{"uri": "u:a", "label": "battery design", "level": "expert"}], errors={})
    assert 'name="skills.uri" value="u:a"' in page
    assert '<option value="expert" selected>' in page
    assert "Remove battery design" in page
    assert "URI" not in page


def _menu(page: str) -> set[str]:
    return set(re.findall(r'<li><a href="([^"]+)">', page.split('id="site-menu"')[1].split("</nav>")[0]))


def test_the_menu_shows_each_role_what_it_can_use(client: TestClient, sessions, demo: None) -> None:
    anonymous = _menu(client.get("/").text)
    assert "/skills" in anonymous and "/home" not in anonymous and "/audit" not in anonymous
    create_user(sessions, "w@example.org", {"role": "worker"}, organisation="educam")
    login(client, "w@example.org")
    worker = _menu(client.get("/").text)
    assert {"/home", "/my/path", "/account"} <= worker
    assert "/audit" not in worker and "/experts/profile" not in worker
    client.cookies.clear()
    create_user(sessions, "o@example.org", {"role": "alliance_office"}, organisation="asa")
    login(client, "o@example.org")
    office = _menu(client.get("/").text)
    assert {"/audit", "/kpi/import", "/home"} <= office


def test_home_needs_a_login_and_login_leads_there(client: TestClient, sessions, demo: None) -> None:
    assert client.get("/home", follow_redirects=False).headers["location"].startswith("/login")
    create_user(sessions, "w@example.org", {"role": "worker"}, organisation="educam")
    response = client.post(
        "/login",
        data={"email": "w@example.org", "password": "correct horse battery",
              "csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/home"
    page = client.get("/home")
    assert page.status_code == 200 and "Waiting for me" in page.text and "Nothing waits for you" in page.text


def test_home_shows_what_waits_for_an_expert(client: TestClient, sessions, demo: None) -> None:
    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.db import unit_of_work
    from skillatlas.experts.models import ExpertiseRequest, Proposal
    from skillatlas.people.models import Person

    _user, person_id = create_user(sessions, "e@example.org", {"role": "expert"})
    with unit_of_work(sessions) as db:
        from skillatlas.alliance import service as alliance

        org = alliance.get_organisation(db=db, slug="educam")
        request = ExpertiseRequest(
            organisation_id=org.id, title="Battery safety audit", skills=[], languages=[]
        )
        db.add(request)
        db.flush()
        assert db.get(Person, person_id) is not None
        db.add(Proposal(request_id=request.id, person_id=person_id, reasons=[], history=[]))
    assert SYSTEM.is_system
    login(client, "e@example.org")
    page = client.get("/home").text
    assert "Proposal to answer: Battery safety audit" in page
    assert 'href="/experts/proposals"' in page
