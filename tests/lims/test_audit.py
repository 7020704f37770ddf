"""Audit plumbing: every user-editable model has history, history records who and why, and
neither history nor audited rows can be changed behind its back."""

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from lims import notes
from lims.audit import AuditBypassRefused, history_models, said, stamp
from lims.db_guards import append_only_tables
from lims.models import Note, Site, User
from tests.helpers import PASSWORD, make_site

pytestmark = pytest.mark.django_db

# Registered in the admin but not records of the LIMS: security logs and credentials that
# their own packages manage (and that must not be copied into history).
NOT_AUDITED = {"axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog", "knox.AuthToken"}


def audited_models():
    # Append-only records (signatures) are shown read-only; there is no change to keep history of.
    # Notes change once, blanked by a redaction that is its own append-only record.
    return [
        m
        for m in admin.site._registry
        if m._meta.label not in NOT_AUDITED
        and not getattr(m, "append_only", False)
        and not getattr(m, "redactable", ())
    ]


def test_every_user_editable_model_has_history():
    missing = [m._meta.label for m in audited_models() if not hasattr(m, "history")]
    assert not missing, f"user-editable models without django-simple-history: {missing}"
    assert {"lims.Site", "lims.Membership", "lims.User"} <= {
        m._meta.label for m in audited_models()
    }


def test_the_exemptions_name_real_models():
    registered = {m._meta.label for m in admin.site._registry}
    assert registered >= NOT_AUDITED


@pytest.mark.parametrize(
    "model",
    audited_models(),
    ids=lambda m: m._meta.label,
)
def test_audited_models_refuse_writes_that_skip_history(model):
    # The base manager too: Django reaches for it where the default manager is not wanted.
    for manager in (model._default_manager, model._base_manager):
        with pytest.raises(AuditBypassRefused):
            manager.filter(pk=-1).update(pk=-1)
        with pytest.raises(AuditBypassRefused):
            manager.bulk_create([])
        with pytest.raises(AuditBypassRefused):
            manager.bulk_update([], ["pk"])


def _installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def test_every_append_only_table_carries_its_guards():
    installed = _installed_triggers()
    tables = append_only_tables()
    assert {m._meta.db_table for m in history_models()} <= set(tables)
    for table in tables:
        for operation in ("update", "delete"):
            assert f"lims_ao_{operation}_{table}"[:63] in installed, (table, operation)


# The triggers themselves: the app role is refused before they fire (tests/specimens/test_app_role).
@pytest.mark.db_superuser
def test_history_tables_refuse_update_and_delete(north, phleb_north):
    tables = [m._meta.db_table for m in history_models() if m._meta.app_label == "lims"]
    # Row triggers only fire on rows: make sure every table tried has one.
    assert all(_row_count(table) for table in tables)
    for table in tables:
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f'UPDATE "{table}" SET history_change_reason = %s', ["rewritten"])
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f'DELETE FROM "{table}"')
    assert notes.reason(north.history.get()) == "test setup"


def _row_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        return cursor.fetchone()[0]


def test_history_is_kept_when_its_object_is_deleted():
    site = make_site("SITE-GONE")
    stamp(site, actor=None, reason="opened in error").delete()
    assert [r.history_type for r in Site.history.filter(code="SITE-GONE")] == ["-", "+"]


def test_history_dates_come_from_the_server_clock_not_the_caller(north):
    north._history_date = timezone.now() - timezone.timedelta(days=365)
    stamp(north, actor=None, reason="backdating attempt").save()
    assert timezone.now() - north.history.latest().history_date < timezone.timedelta(minutes=1)


def test_signing_in_does_not_write_user_history(phleb_north):
    before = phleb_north.history.count()
    response = Client().post("/accounts/login/", {"username": "phleb-north", "password": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=phleb_north.pk).last_login is not None
    assert phleb_north.history.count() == before


def test_password_hashes_never_enter_history():
    fields = {f.name for f in User.history.model._meta.fields}
    assert "password" not in fields and "last_login" not in fields


@pytest.fixture
def superuser(db):
    user = User(username="root", is_superuser=True, is_staff=True)
    user.set_password(PASSWORD)
    stamp(user, actor=None, reason="test setup").save()
    return user


def test_an_admin_change_records_the_user_and_the_required_reason(north, superuser):
    browser = Client()
    browser.force_login(superuser)
    url = f"/admin/lims/site/{north.pk}/change/"
    form = {"name": "Renamed", "time_zone": "America/Chicago"}
    refused = browser.post(url, form)
    assert refused.status_code == 200 and b"This field is required" in refused.content
    assert Site.objects.get(pk=north.pk).name != "Renamed"

    assert browser.post(url, {**form, "change_reason": "typo in name"}).status_code == 302
    latest = north.history.latest()
    assert (latest.name, latest.history_user, notes.reason(latest)) == (
        "Renamed",
        superuser,
        "typo in name",
    )
    # The row holds the note's digest; the admin's history page shows the text it stands for.
    assert latest.history_change_reason.startswith(notes.REASON_PREFIX)
    page = browser.get(f"{url.removesuffix('change/')}history/").content.decode()
    table = page.split('<table id="change-history"')[1].split("</table>")[0]
    assert "typo in name" in table and notes.REASON_PREFIX not in table


@pytest.mark.parametrize(
    "reason", ["asked by John Smith", "per 617-555-0143", "SSN 123-45-6789 on the form"]
)
def test_an_admin_change_reason_that_may_identify_a_person_is_refused(north, superuser, reason):
    browser = Client()
    browser.force_login(superuser)
    url = f"/admin/lims/site/{north.pk}/change/"
    form = {"name": "Renamed", "time_zone": "America/Chicago", "change_reason": reason}
    refused = browser.post(url, form)
    assert refused.status_code == 200
    assert (
        refused.context["adminform"]
        .form.errors["change_reason"][0]
        .startswith("The change reason looks like it contains")
    )
    assert Site.objects.get(pk=north.pk).name != "Renamed"
    assert north.history.count() == 1


def test_a_new_users_change_reason_is_screened_too(superuser):
    browser = Client()
    browser.force_login(superuser)
    form = {
        "username": "newcomer",
        "password1": "a-long-pass-phrase-42",
        "password2": "a-long-pass-phrase-42",
        "usable_password": "true",
        "change_reason": "hired, call her on (212) 555-7788",
        # The memberships inline, left empty.
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    refused = browser.post("/admin/lims/user/add/", form)
    assert refused.status_code == 200
    assert "looks like it contains a phone number" in refused.content.decode()
    assert not User.objects.filter(username="newcomer").exists()

    form["change_reason"] = "new biobank technician"
    assert browser.post("/admin/lims/user/add/", form).status_code == 302
    assert notes.reason(User.objects.get(username="newcomer").history.get()) == (
        "new biobank technician"
    )


def test_the_admin_cannot_delete_audited_records(north, superuser):
    browser = Client()
    browser.force_login(superuser)
    assert browser.post(f"/admin/lims/site/{north.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Site.objects.filter(pk=north.pk).exists()


def test_admin_pages_for_users_and_memberships_render(superuser, phleb_north):
    browser = Client()
    browser.force_login(superuser)
    for url in (
        "/admin/lims/user/",
        f"/admin/lims/user/{phleb_north.pk}/change/",
        "/admin/lims/membership/",
        "/admin/lims/site/add/",
        "/admin/lims/user/add/",
    ):
        assert browser.get(url).status_code == 200, url


def test_the_systems_own_words_stay_in_the_row_and_what_a_person_adds_becomes_a_note(
    north, superuser
):
    kept = Note.objects.count()
    stamp(north, actor=superuser, reason=said("renamed by the demo")).save()
    assert north.history.latest().history_change_reason == "renamed by the demo"
    assert Note.objects.count() == kept

    stamp(north, actor=superuser, reason=said("renamed") + ": asked by the site lead").save()
    latest = north.history.latest()
    assert latest.history_change_reason.startswith(notes.REASON_PREFIX)
    assert notes.reason(latest) == "renamed: asked by the site lead"
    assert Note.objects.count() == kept + 1
