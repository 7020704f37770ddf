"""Demo data: the documented sites and users, loaded idempotently, refused in production."""

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from lims.choices import Role
from lims.models import Membership, Site, User

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def test_loading_twice_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = row_counts()
    call_command("seed_demo")
    assert row_counts() == first
    printed = capsys.readouterr().out
    assert "demo-lims-2026" in printed and "phleb-north" in printed


def test_the_documented_sites_users_and_roles_exist(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    assert {(s.code, s.kind) for s in Site.objects.all()} == {
        ("SITE-NORTH", "collection"),
        ("SITE-SOUTH", "collection"),
        ("BIOBANK", "biobank"),
    }
    roles = {(m.user.username, m.site.code, m.role) for m in Membership.objects.select_related()}
    assert roles == {
        ("phleb-north", "SITE-NORTH", Role.PHLEBOTOMIST),
        ("phleb-south", "SITE-SOUTH", Role.PHLEBOTOMIST),
        ("tech", "BIOBANK", Role.BIOBANK_TECHNICIAN),
        ("auditor", "BIOBANK", Role.AUDITOR),
    }
    assert User.objects.get(username="admin").is_superuser
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "auditor", "password": "demo-lims-2026"}, format="json"
    )
    assert token.status_code == 200


def test_the_password_comes_from_the_environment_when_set(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("LIMS_DEMO_PASSWORD", "another-demo-secret")
    call_command("seed_demo")
    assert User.objects.get(username="tech").check_password("another-demo-secret")


def test_demo_data_is_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_each_demo_site_names_who_answers_for_its_shipments_day_and_night(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    contacts = {
        site.code: (site.responsible_name, site.responsible_phone) for site in Site.objects.all()
    }
    assert all(name and phone for name, phone in contacts.values()), contacts
    for site in Site.objects.all():
        site.full_clean()


def test_each_app_seeds_its_own_demo_data_through_the_registry(settings):
    """The printers come from barcode_printing's seeder: seed_demo itself names no app."""
    from barcode_printing.models import Printer

    settings.DEBUG = True
    call_command("seed_demo")
    printers = {(p.site.code, p.kind, p.is_default_for_site) for p in Printer.objects.all()}
    assert printers == {
        (site, kind, kind == "zpl_tcp")
        for site in ("SITE-NORTH", "SITE-SOUTH", "BIOBANK")
        for kind in ("pdf", "zpl_tcp")
    }
