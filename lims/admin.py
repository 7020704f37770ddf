"""Admin for sites, users and memberships; every save asks for a reason and records the user."""

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin

from lims import notes
from lims.audit import stamp
from lims.free_text import PossibleIdentifierInText, screen
from lims.models import Membership, Site, User


class ReasonFormMixin(forms.Form):
    change_reason = forms.CharField(
        max_length=500, help_text="Why you are making this change (kept in the audit trail)."
    )

    def clean_change_reason(self):
        """The reason goes into the audit trail for good: screened like every other free text."""
        try:
            return screen(self.cleaned_data["change_reason"], field="change_reason")
        except PossibleIdentifierInText as refused:
            raise forms.ValidationError(refused.detail, code=refused.code) from refused


class AuditedModelForm(ReasonFormMixin, forms.ModelForm):
    pass


class NotedHistoryAdmin(SimpleHistoryAdmin):
    """The history page shows each reason's text and each noted field's (or their redaction),
    read from their notes once per page, where the row holds only the notes' digests."""

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        records = list(historical_records)
        fields = notes.noted_fields(self.model)
        found = notes.lookup_history(records, fields)
        for record in records:
            # Only the page's copy in memory: the row keeps the digests.
            record.history_change_reason = notes.reason_shown(record.history_change_reason, found)
            for field in fields:
                setattr(record, field, notes.reason_shown(getattr(record, field), found))
        super().set_history_delta_changes(request, records, **kwargs)


class AuditedAdmin(NotedHistoryAdmin):
    """Asks for a change reason on every save; records never leave through the admin."""

    form = AuditedModelForm
    audit_fieldset = ("Audit", {"fields": ["change_reason"]})

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if any("change_reason" in options.get("fields", ()) for _, options in fieldsets):
            return fieldsets
        return [*fieldsets, self.audit_fieldset]

    def save_model(self, request, obj, form, change):
        stamp(obj, actor=request.user, reason=form.cleaned_data["change_reason"])
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            stamp(obj, actor=request.user, reason=form.cleaned_data["change_reason"]).save()
        formset.save_m2m()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin:
    """Rows the admin shows and never adds, changes or deletes: they are written by the
    services (and their custody chain), or are append-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, NotedHistoryAdmin):
    """Changes go through the services (and their custody chain), never through a form."""


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ["site", "role", "granted_at", "ended_at"]
    readonly_fields = ["granted_at"]


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "time_zone"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # A site's code is printed on labels and manifests; it never changes once created.
        return ["code", "kind"] if obj else []


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "site", "role", "granted_at", "ended_at"]
    list_filter = ["role", "site", "ended_at"]
    list_select_related = ["user", "site"]
    search_fields = ["user__username", "site__code"]


class UserCreationForm(ReasonFormMixin, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User


class UserChangeForm(ReasonFormMixin, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(AuditedAdmin, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_superuser"]
    # Permissions come from memberships (roles), not from Django's group/permission tables.
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Status",
            {"fields": ["is_active", "is_staff", "is_superuser", "last_login", "date_joined"]},
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []

    def get_readonly_fields(self, request, obj=None):
        # A username is hashed into every custody event its user writes (docs/custody.md):
        # renaming would break the offline verification of exported trails.
        return [*self.readonly_fields, "username"] if obj else self.readonly_fields


admin.site.unregister(Group)
admin.site.site_header = "Biospecimen LIMS administration"
