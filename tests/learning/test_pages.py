"""The learning and role pages through the real app: catalogue, my path, role editor, plan, workforce."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import create_user, csrf_token, login
from tests.learning.conftest import BMS, PROVIDER, ROLE, Catalogue


def test_catalogue_filters(client: TestClient, catalogue: Catalogue) -> None:
    page = client.get("/courses", params={"language": "de"})
    assert (
        page.status_code == 200
        and "Battery management systems" in page.text
        and "Battery basics" not in page.text
    )
    assert "Battery pack design" in client.get("/courses", params={"q": "pack design"}).text
    course = client.get(f"/courses/{catalogue.course_ids['BAT-201']}")
    assert "BAT-101" in course.text and "battery design" in course.text


def test_my_path_page(client: TestClient, catalogue: Catalogue) -> None:
    login(client, catalogue.worker_email)
    page = client.get("/my/path", params={"role": ROLE})
    assert page.status_code == 200
    assert "Battery pack design" in page.text and "system backup best practice" in page.text
    assert "partly" in page.text and "missing" in page.text
    unknown = client.get("/my/path", params={"role": "nope"})
    assert unknown.status_code == 200 and "no job role" in unknown.text


def test_role_editor_shows_the_form_again(office_client: TestClient, catalogue: Catalogue) -> None:
    token = csrf_token(office_client)
    bad = office_client.post(
        "/roles",
        data={
            "title": "Broken",
            "skills.uri": "http://nope",
            "skills.level": "expert|essential",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "no longer in the taxonomy" in bad.text and 'name="title"' in bad.text
    made = office_client.post("/roles", data={"title": "Page role", "skills.uri": BMS,
                                              "skills.level": "expert|essential", "csrf_token": token},
                              follow_redirects=False)  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/roles/page-role?version=1"
    office_client.post("/roles/page-role/submit", data={"csrf_token": token})
    office_client.post("/roles/page-role/publish", data={"csrf_token": token})
    assert "published" in office_client.get("/roles/page-role").text
    assert "Page role" in TestClient(office_client.app).get("/roles").text


def test_plan_page_and_workforce(
    client: TestClient, catalogue: Catalogue, sessions: sessionmaker[Session]
) -> None:
    login(client, catalogue.worker_email)
    plan = client.post("/api/plans", json={"person_id": catalogue.worker_person, "role": ROLE,
                                           "courses": [catalogue.course_ids["BAT-101"]]}).json()  # fmt: skip
    client.post(f"/api/plans/{plan['id']}/propose")
    page = client.get(f"/plans/{plan['id']}")
    # The worker proposed it, which is their agreement: no button to agree again.
    assert page.status_code == 200 and "Worker: agreed by Learner on " in page.text
    assert "Agree to this plan" not in page.text and "Agreed by both" not in page.text
    assert "Withdraw my agreement" in page.text
    assert client.get(f"/organisations/{PROVIDER}/workforce", params={"role": ROLE}).status_code == 403
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": PROVIDER},
                organisation=PROVIDER)  # fmt: skip
    boss = login(TestClient(client.app, raise_server_exceptions=False), "boss@test.example")
    assert "Agree to this plan as the employer" in boss.get(f"/plans/{plan['id']}").text
    both = boss.post(
        f"/plans/{plan['id']}/agree", data={"csrf_token": csrf_token(boss)}, follow_redirects=True
    )
    # The employer by its name, not its slug.
    assert "Agreed by both" in both.text and "Employer (EDUCAM): agreed by Boss on " in both.text
    assert "Agree to this plan" not in both.text


def test_a_published_role_links_to_my_gap_and_path(client: TestClient, catalogue: Catalogue) -> None:
    link = f'href="/my/path?role={ROLE}"'
    assert link not in client.get(f"/roles/{ROLE}").text  # a visitor has no gap
    login(client, catalogue.worker_email)
    assert link in client.get(f"/roles/{ROLE}").text


def test_from_my_path_to_a_proposed_plan(client: TestClient, catalogue: Catalogue) -> None:
    login(client, catalogue.worker_email)
    token = csrf_token(client)
    ids = [str(catalogue.course_ids["BAT-101"]), str(catalogue.course_ids["BAT-201"])]
    made = client.post("/plans", data={"role": ROLE, "courses": ids, "goals": "Pack design", "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "proposed" in page.text and "Battery pack design" in page.text and "Pack design" in page.text
    bad = client.post("/plans", data={"role": "nope", "courses": ids, "csrf_token": token})
    assert bad.status_code == 404 and "no job role" in bad.text


def test_the_provider_confirms_suggested_skills_on_the_page(
    office_client: TestClient, catalogue: Catalogue, settings, monkeypatch
) -> None:  # fmt: skip
    from skillatlas.intelligence import engine as engine_module

    lexical = engine_module.IntelligenceEngine(settings.data_dir, "none")  # fast: no embedding model
    monkeypatch.setattr(engine_module, "engine_for", lambda data_dir, backend: lexical)
    course_id = catalogue.course_ids["BAT-301"]
    token = csrf_token(office_client)
    page = office_client.post(
        f"/courses/{course_id}/suggest", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Tick the suggested skills" in page.text
    done = office_client.post(
        f"/courses/{course_id}/confirm", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Tick the suggested skills" not in done.text and "battery management systems" in done.text
    assert "Suggest skills" not in TestClient(office_client.app).get(f"/courses/{course_id}").text
