"""The alliance's HTML pages: what a visitor sees, and forms that answer bad input with the form again."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.conftest import TODAY, create_user, login


def test_home_shows_the_alliance_at_a_glance(client: TestClient, demo: None) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    for name in ("Technology", "Education", "Social Aspects", "Regional Dimension"):
        assert f">{name}</a>" in html
    assert 'href="/groups/innovation-agent-task-force"' in html
    assert 'href="/organisations/tu-graz"' in html
    assert "Hydrogen VET Forum 2027" in html  # upcoming, after the pinned date
    assert "/static/htmx.min.js" in html and "cdn" not in html.lower()


def test_pages_for_each_kind_of_thing(client: TestClient, demo: None) -> None:
    committee = client.get("/committees/technology").text
    assert "Life Cycle Assessment (LCA)" in committee and "SIITME Conference Cooperation" in committee
    group = client.get("/groups/hydrogen-vet-forum").text
    assert "Karlsruhe Institute of Technology" in group and "Train the trainer" in group
    organisation = client.get("/organisations/tu-graz").text
    assert "Innovation Agent Task Force" in organisation and "Austria" in organisation
    event = client.get("/events/tie-2024").text
    assert "Sibiu" in event and "registration is closed" in event
    assert "TIE 2024" in client.get("/events").text
    assert "ACEA" in client.get("/organisations", params={"q": "acea"}).text


def test_register_from_the_event_page(client: TestClient, sessions, demo: None) -> None:
    anonymous = client.get("/events/hydrogen-vet-forum-2027").text
    assert 'Log in</a> or <a href="/signup">sign up</a> to register' in anonymous
    create_user(sessions, "ioana@example.org", {"role": "worker"})
    login(client, "ioana@example.org")
    page = client.post("/events/hydrogen-vet-forum-2027/register")
    assert page.status_code == 201
    assert "You are registered" in page.text
    again = client.post("/events/hydrogen-vet-forum-2027/register")
    assert again.status_code == 409
    assert "ioana@example.org is already registered" in again.text
    assert "You are registered." in client.get("/events/hydrogen-vet-forum-2027").text
    assert client.get("/api/events/hydrogen-vet-forum-2027").json()["registered"] == 1


def test_full_event_puts_you_on_the_waitlist(office_client: TestClient, sessions) -> None:
    day = (TODAY + dt.timedelta(days=3)).isoformat()
    office_client.post(
        "/api/events",
        json={"name": "Tiny", "starts_on": day, "ends_on": day, "mode": "online", "capacity": 1},
    )
    for name in ("a", "b"):
        create_user(sessions, f"{name}@example.org", {"role": "worker"})
    login(office_client, "a@example.org")
    office_client.post("/events/tiny-2026/register")
    login(office_client, "b@example.org")
    page = office_client.post("/events/tiny-2026/register")
    assert "number 1 on the waitlist" in page.text


def test_organisation_form_errors_keep_the_input_and_save_nothing(
    office_client: TestClient, demo: None
) -> None:
    client = office_client  # the forms that add things are the office's
    before = len(client.get("/api/organisations").json())
    page = client.post("/organisations", data={"name": "New Co", "type": "industry", "country": "ZZ"})
    assert page.status_code == 422
    assert "unknown country code" in page.text
    assert 'aria-invalid="true"' in page.text and 'value="New Co"' in page.text
    duplicate = client.post("/organisations", data={"name": "ACEA", "type": "industry", "country": "BE"})
    assert duplicate.status_code == 409 and "exists already" in duplicate.text
    assert len(client.get("/api/organisations").json()) == before


def test_organisation_form_creates_and_redirects(office_client: TestClient) -> None:
    client = office_client  # the forms that add things are the office's
    response = client.post(
        "/organisations",
        data={"name": "Regio Mobil", "type": "regional_authority", "country": "de", "nuts_region": "de11",
              "is_member": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/organisations/regio-mobil"
    assert "NUTS DE11" in client.get("/organisations/regio-mobil").text


def test_event_form_refuses_end_before_start(office_client: TestClient, demo: None) -> None:
    client = office_client  # the forms that add things are the office's
    start = (TODAY + dt.timedelta(days=10)).isoformat()
    end = (TODAY + dt.timedelta(days=9)).isoformat()
    page = client.post(
        "/events", data={"name": "Backwards", "starts_on": start, "ends_on": end, "mode": "online"}
    )
    assert page.status_code == 422
    assert "end date is before the start date" in page.text
    assert "Backwards" not in client.get("/events").text.split("<h1>Events</h1>")[1]


def test_event_form_creates_with_organisers(office_client: TestClient, demo: None) -> None:
    client = office_client  # the forms that add things are the office's
    day = (TODAY + dt.timedelta(days=40)).isoformat()
    response = client.post(
        "/events",
        data={"name": "Batteries webinar", "starts_on": day, "ends_on": day, "mode": "online",
              "organisers": ["acea", "asa"], "group": "innovation-agent-task-force"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    event = client.get(response.headers["location"]).text
    assert "Organised by" in event and "ACEA" in event


def test_friendly_404_page(client: TestClient) -> None:
    for path in ("/nope", "/groups/nope", "/events/nope"):
        page = client.get(path)
        assert page.status_code == 404
        assert "Traceback" not in page.text and "<h1>" in page.text


def test_about_page_states_mission_ambition_kpis_and_projects(client: TestClient, demo: None) -> None:
    page = client.get("/about").text
    assert "700,000" in page and "5%" in page
    assert "Number of agreed personal development plans" in page
    assert "Blueprint Batteries (ALBATTS)" in page and "Pact for Skills" in page
