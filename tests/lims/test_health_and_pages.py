"""The health probe and the front page."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "databases": {"default": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_health_is_503_when_the_database_is_unreachable(client, monkeypatch):
    broken = (
        {"NAME": "/nonexistent/dir/lims.sqlite3"}
        if connection.vendor == "sqlite"
        else {"PORT": "1"}
    )
    connection.close()
    for key, value in broken.items():
        monkeypatch.setitem(connection.settings_dict, key, value)
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "databases": {"default": "unreachable"}}


def test_the_front_page_says_what_this_is_and_links_the_docs(client):
    page = client.get("/").content.decode()
    assert "Biospecimen LIMS" in page and "chain of custody" in page
    # API paths answer with and without the trailing slash; links are reversed without it.
    assert 'href="/api/docs"' in page and 'href="/admin/"' in page
    assert client.get("/api/docs").status_code == client.get("/api/docs/").status_code == 302
