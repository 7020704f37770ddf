"""The biobank technician's bench: the accession worklist, aliquoting with labels, and the
disposal worklist with the electronic signature in the page."""

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from barcode_printing.ids import parse_id
from barcode_printing.web import job_sentence
from lims.choices import Role
from lims.credentials import sign_in_check
from lims.errors import DomainError, NotFound
from lims.scoping import scope_of
from lims.web.pages import ListedReasonForm, answer, role_required, show_error
from specimens import services
from specimens.choices import DisposalReason, SampleKind, SpecimenStatus
from specimens.labels import labels_for_ids, print_on_site_printer
from specimens.models import Signature, Specimen, SpecimenType

TECHNICIAN = Role.BIOBANK_TECHNICIAN
WORKLIST_SIZE = 200


def _at_my_biobanks(user):
    """Tubes at the sites where ``user`` works as a biobank technician."""
    scope = scope_of(user)
    tubes = Specimen.objects.for_user(user).select_related("type", "current_site")
    if scope.is_superuser:
        return tubes
    return tubes.filter(current_site__in=scope.sites_with_role([TECHNICIAN]))


def _tube(user, text: str) -> Specimen:
    barcode = parse_id(text)
    tube = Specimen.objects.for_user(user).select_related("type", "current_site")
    found = tube.filter(barcode=barcode).first()
    if found is None:
        raise NotFound(f"No tube {barcode} among those you can see.", errors={"scan": ["Unknown."]})
    return found


# --- accession worklist -----------------------------------------------------------------------


@require_safe
@role_required(TECHNICIAN)
def accession(request):
    """Received tubes not yet aliquoted or stored, oldest collection first."""
    waiting = (
        _at_my_biobanks(request.user)
        .filter(status=SpecimenStatus.RECEIVED, children__isnull=True)
        .order_by("collected_at", "barcode")
    )
    now = timezone.now()
    rows = [
        {"tube": tube, "hours": round((now - tube.collected_at).total_seconds() / 3600, 1)}
        for tube in waiting[:WORKLIST_SIZE]
        if tube.collected_at
    ]
    return render(request, "specimens/accession.html", {"rows": rows})


# --- aliquot ----------------------------------------------------------------------------------


class AliquotForm(forms.Form):
    scan = forms.CharField(max_length=64, label="Parent tube")
    type_code = forms.ChoiceField(label="Derivative type")
    count = forms.IntegerField(min_value=1, max_value=96, initial=2)
    volume_ul = forms.IntegerField(min_value=1, max_value=100_000, label="Volume each (µL)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        derivatives = SpecimenType.objects.filter(kind=SampleKind.DERIVATIVE, active=True)
        self.fields["type_code"].choices = [(t.code, f"{t.code} · {t.name}") for t in derivatives]


def _print_children(request, children: list[Specimen]) -> None:
    """Send the aliquots' labels to the site's default label printer, answering the job's state."""
    site = children[0].current_site
    batch = labels_for_ids(request.user, [child.barcode for child in children])
    try:
        job = print_on_site_printer(request.user, site, batch)
    except DomainError as error:
        answer(request, f"The aliquots' labels were not printed: {error.detail}", ok=False)
        return
    if job is None:
        answer(
            request,
            f"No label printer is set up at {site.code}: print the labels from "
            "the tubes' IDs once one is.",
            ok=True,
            warn=True,
        )
        return
    ok, sentence = job_sentence(job, f"Labels for {len(children)} aliquots")
    answer(request, sentence, ok=ok)


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def aliquot(request):
    """Scan the parent, choose the derivative, count and volume: the aliquots are made and
    their labels printed; the parent's remaining volume is shown."""
    form = AliquotForm(request.POST or None)
    parent = children = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                parent = _tube(request.user, data["scan"])
                children = services.specimen_aliquot(
                    actor=request.user,
                    specimen=parent,
                    count=data["count"],
                    type_code=data["type_code"],
                    volume_ul=data["volume_ul"],
                )
            except DomainError as error:
                show_error(form, error)
                answer(request, error.detail, ok=False)
            if children:
                parent.refresh_from_db()
                answer(
                    request,
                    f"{len(children)} × {data['volume_ul']} µL {data['type_code']} "
                    f"made from {parent.barcode}; {parent.volume_ul} µL left in it.",
                )
                _print_children(request, children)
        else:
            answer(request, "Scan the parent tube and give the type, count and volume.", ok=False)
    return render(
        request,
        "specimens/aliquot.html",
        {"form": form, "parent": parent, "children": children or []},
    )


# --- disposal ---------------------------------------------------------------------------------


class DisposeForm(ListedReasonForm):
    scan = forms.CharField(max_length=64, label="Tube")
    password = forms.CharField(widget=forms.PasswordInput, label="Your password")
    witness = forms.CharField(max_length=150, required=False, label="Witness user name")
    witness_password = forms.CharField(
        widget=forms.PasswordInput, required=False, label="Witness's password"
    )


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def disposal(request):
    """Tubes due for destruction, and disposing one signed with the password (and a witness's)."""
    form = DisposeForm(request.POST or None, reasons=DisposalReason)
    signatures, zone = [], "UTC"
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                tube = _tube(request.user, data["scan"])
                services.specimen_dispose(
                    actor=request.user,
                    specimen=tube,
                    reason=data["reason"],
                    reason_text=data["reason_text"],
                    password=data["password"],
                    # Checked as a sign-in: the lockout counts a wrong password here too.
                    check=sign_in_check(request),
                    witness=data["witness"],
                    witness_password=data["witness_password"],
                )
            except DomainError as error:
                show_error(form, error)
                answer(request, error.detail, ok=False)
            else:
                answer(request, f"{tube.barcode} disposed and signed.")
                signatures = Signature.objects.filter(event__specimen=tube).order_by("meaning")
                zone = tube.current_site.time_zone
                form = DisposeForm(reasons=DisposalReason)
        else:
            answer(
                request, "Scan the tube, choose the reason and sign with your password.", ok=False
            )
    due = (
        _at_my_biobanks(request.user)
        .filter(disposal_due=True)
        .exclude(status=SpecimenStatus.DISPOSED)
        .order_by("barcode")[:WORKLIST_SIZE]
    )
    return render(
        request,
        "specimens/disposal.html",
        {
            "form": form,
            "due": due,
            "signatures": signatures,
            "zone": zone,
        },
    )
