"""Errors reach people as friendly pages and programs as JSON; never a stack trace, never a huge body."""

from __future__ import annotations

from fastapi.testclient import TestClient

from skillatlas.config import Settings
from skillatlas.web.app import create_app


def test_unexpected_errors_show_no_trace(client: TestClient) -> None:
    def explode() -> None:
        raise RuntimeError("secret internals")

    client.app.add_api_route("/boom", explode)  # type: ignore[attr-defined]
    client.app.add_api_route("/api/boom", explode)  # type: ignore[attr-defined]
    page = client.get("/boom")
    assert page.status_code == 500
    assert "secret internals" not in page.text and "Traceback" not in page.text
    assert "Something went wrong" in page.text
    api = client.get("/api/boom")
    assert api.status_code == 500 and api.json() == {
        "detail": "internal error",
        "field": None,
        "code": "internal",
    }


def test_over_large_bodies_are_refused(client: TestClient) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    response = client.post(
        "/api/organisations", content=b"x" * (limit + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_unreachable_database_gives_a_clear_503(tmp_path) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", data_dir=tmp_path)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/health")
        assert api.status_code == 503
        assert api.json()["code"] == "database_unavailable"
        page = client.get("/")
        assert page.status_code == 503
        assert "cannot be reached" in page.text and "Traceback" not in page.text
    app.state.engine.dispose()


def test_static_files_are_served_locally(client: TestClient) -> None:
    assert client.get("/static/htmx.min.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_api_docs_need_no_cdn(client: TestClient) -> None:
    docs = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
