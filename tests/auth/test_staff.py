"""An organisation's staff (personal data): its managers and the office see it, nobody else."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import create_user, login


def test_the_manager_sees_the_staff_of_their_organisation_only(
    client: TestClient, sessions, demo: None
) -> None:
    create_user(sessions, "manager@example.org", {"role": "organisation_manager", "organisation": "educam"})
    create_user(sessions, "wim@example.org", {"role": "worker"}, organisation="educam")
    create_user(sessions, "kai@example.org", {"role": "worker"}, organisation="kit")
    manager = login(TestClient(client.app), "manager@example.org")
    staff = manager.get("/api/organisations/educam/staff").json()
    assert "wim@example.org" in {p["email"] for p in staff}
    assert "kai@example.org" not in {p["email"] for p in staff}
    assert manager.get("/api/organisations/kit/staff").status_code == 403
    page = manager.get("/organisations/educam").text
    assert "<h2>Staff</h2>" in page and "wim@example.org" in page
    assert "<h2>Staff</h2>" not in manager.get("/organisations/kit").text
    worker = login(TestClient(client.app), "wim@example.org")
    assert worker.get("/api/organisations/educam/staff").status_code == 403
    assert "wim@example.org" not in worker.get("/organisations/educam").text
    assert "wim@example.org" not in client.get("/organisations/educam").text
    manager.close()
    worker.close()
