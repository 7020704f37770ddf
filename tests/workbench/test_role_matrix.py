"""Every web page for every demo role, walked from the URL conf: allowed, 403 for a role that
does not use it, 404 for another site's object. A new page must declare its roles (through
``lims.web.pages.role_required``) or be named here as open to anyone signed in."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lims.choices import Role

pytestmark = pytest.mark.django_db

# Pages that are not the workbench's, or that any signed-in user (or anyone) may open.
NOT_WORKBENCH = re.compile(r"^(admin/|api/|accounts/|static/|healthz|problems/)")
ANY_SIGNED_IN = {"home", "search"}


def _web_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^")
        if NOT_WORKBENCH.match(route):
            continue
        if isinstance(entry, URLResolver):
            yield from _web_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_web_url_names_do_not_collide_with_the_apis():
    """A page named like an API route (DRF's order-collect) would link to the API."""
    names = [entry.name for _, entry in _web_patterns() if entry.name]
    assert len(names) == len(set(names))
    for name in names:
        assert not reverse(name, kwargs=_kwargs_for(name)).startswith("/api/"), name


@pytest.fixture
def world(order, shipment, person):
    return {
        "code": None,
        "pid": person.participant_id,
        "action": "cancel",
        "order": order.code,
        "shipment": shipment.code,
    }


SAMPLES = {}


def _kwargs_for(name, world=None):
    world = world or {
        "pid": "P000000123",
        "order": "ORD-0000001",
        "shipment": "SH-00001",
        "action": "cancel",
    }
    route = next(str(e.pattern) for _, e in _web_patterns() if e.name == name)
    kwargs = {}
    for param in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if param == "code":
            kwargs[param] = world["shipment"] if "shipments/" in route else world["order"]
        elif param in world:
            kwargs[param] = world[param]
        else:
            raise AssertionError(f"page {name} takes <{param}>: give the matrix a sample value")
    return kwargs


def _pages():
    return sorted((entry.name, entry.callback) for _, entry in _web_patterns() if entry.name)


def test_every_page_declares_who_uses_it():
    undeclared = [
        name
        for name, view in _pages()
        if name not in ANY_SIGNED_IN and not getattr(view, "workbench_roles", None)
    ]
    assert undeclared == []


DEMO_ROLES = ["phleb_north", "phleb_south", "tech", "auditor"]
HELD = {
    "phleb_north": {Role.PHLEBOTOMIST},
    "phleb_south": {Role.PHLEBOTOMIST},
    "tech": {Role.BIOBANK_TECHNICIAN},
    "auditor": {Role.AUDITOR},
}


def _expected(persona, view, kwargs) -> str:
    roles = getattr(view, "workbench_roles", None)
    if roles is not None and not (HELD[persona] & roles):
        return "403"
    north_object = bool(kwargs.keys() & {"code", "pid"})
    if persona == "phleb_south" and north_object:
        return "404"
    return "allowed"


@pytest.mark.parametrize("persona", DEMO_ROLES)
def test_each_page_for_each_demo_role(request, page_for, world, persona):
    user = request.getfixturevalue(persona)
    client = page_for(user)
    outcomes = {}
    for name, view in _pages():
        kwargs = _kwargs_for(name, world)
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        status = response.status_code
        got = "403" if status == 403 else "404" if status == 404 else "allowed"
        assert status < 500, (name, status)
        # At most one scan field a page, focused; an auditor is never shown one.
        scans = response.content.count(b'name="scan"')
        assert scans <= 1 and scans == response.content.count(b'name="scan" autofocus'), name
        assert not (persona == "auditor" and scans), name
        outcomes[name] = (got, _expected(persona, view, kwargs))
    wrong = {name: pair for name, pair in outcomes.items() if pair[0] != pair[1]}
    assert wrong == {}


def test_a_signed_out_visitor_is_sent_to_sign_in(client, world):
    for name, _view in _pages():
        if name == "home":
            continue
        response = client.get(reverse(name, kwargs=_kwargs_for(name, world)))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), name
