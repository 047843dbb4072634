"""Pages show each role its own buttons and choices, asking the same permission check."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.conftest import TODAY, create_user, login


def test_a_group_lead_adds_events_to_their_group_only(client: TestClient, sessions, demo: None) -> None:
    create_user(sessions, "lead@example.org", {"role": "group_lead", "group": "hydrogen-vet-forum"})
    lead = login(client, "lead@example.org")
    assert "Add an event" in lead.get("/events").text
    form = lead.get("/events/new").text
    assert 'value="hydrogen-vet-forum"' in form
    assert 'value="tie-student-competition"' not in form and '<option value="">none</option>' not in form
    day = (TODAY + dt.timedelta(days=20)).isoformat()
    base = {"name": "Hydrogen refresher", "starts_on": day, "ends_on": day, "mode": "online"}
    mine = lead.post("/events", data={**base, "group": "hydrogen-vet-forum"}, follow_redirects=False)
    assert mine.status_code == 303
    other = lead.post("/events", data={**base, "group": "tie-student-competition"})
    assert other.status_code == 403 and "the lead of the event" in other.text


def test_buttons_follow_the_role(client: TestClient, sessions, demo: None) -> None:
    assert "Add an organisation" not in client.get("/organisations").text
    assert "Add an event" not in client.get("/events").text
    create_user(sessions, "w@example.org", {"role": "worker"})
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    worker = login(TestClient(client.app), "w@example.org")
    assert "Add an organisation" not in worker.get("/organisations").text
    assert 'href="/audit"' not in worker.get("/").text
    office = login(TestClient(client.app), "office@example.org")
    assert "Add an organisation" in office.get("/organisations").text
    assert 'href="/audit"' in office.get("/").text
    form = office.get("/events/new").text
    assert (
        '<option value="">No group (the alliance)</option>' in form
        and 'value="tie-student-competition"' in form
    )
    worker.close()
    office.close()
