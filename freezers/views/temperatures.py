"""A freezer's temperatures: readings typed in or imported from a logger's CSV, plotted with the
band (the 30 days up to the newest reading), and every reading in a paginated table."""

import zoneinfo
from datetime import timedelta

import django_tables2 as tables
from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from freezers import lookups, services
from freezers.models import TemperatureReading
from freezers.views.browse import found
from freezers.web import TECHNICIAN
from lims.errors import DomainError, InvalidInput
from lims.templatetags.workbench import local
from lims.web import svg
from lims.web.pages import answer, role_required, show_error
from shipments import logger
from specimens.forms import LocalTimeField, local_now

PLOT_WINDOW = timedelta(days=30)
# A logger every minute for 30 days is 43,200 points; the plot keeps the newest ones.
PLOT_POINTS = 2000
MAX_FILE_BYTES = 4 * 1024 * 1024
PER_PAGE = 25


class ReadingForm(forms.Form):
    temperature_c = forms.DecimalField(
        max_digits=6, decimal_places=2, min_value=-273.15, max_value=100, label="Temperature (°C)"
    )
    source = forms.CharField(max_length=64, required=False, label="Source (e.g. door display)")

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"] = LocalTimeField(zone=zone, label="Taken at")


class ReadingTable(tables.Table):
    at = tables.Column(verbose_name="Taken at")
    temperature_c = tables.Column(verbose_name="°C")
    in_band = tables.Column(accessor="pk", verbose_name="In band")
    source = tables.Column()
    recorded_by = tables.Column(accessor="recorded_by__username", verbose_name="By")

    class Meta:
        attrs = {"class": "readings"}
        orderable = False
        empty_text = "No reading yet."

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def render_at(self, value):
        return local(value, self.zone)

    def render_in_band(self, record):
        return "yes" if record.in_band else f"OUTSIDE {record.low_c} to {record.high_c}"


def _upload_text(request) -> tuple[str, str]:
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("Choose the logger's CSV file.", errors={"file": ["Required."]})
    if upload.size > MAX_FILE_BYTES:
        raise InvalidInput(
            f"The file has {upload.size:,} bytes; at most {MAX_FILE_BYTES:,} are read at once.",
            errors={"file": ["Too large."]},
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{upload.name} is not a text file: export the readings as CSV.",
            errors={"file": ["Not text."]},
        ) from None
    return text, upload.name


def _import(request, freezer) -> None:
    text, name = _upload_text(request)
    readings = logger.parse(text, freezer.site.time_zone)
    recorded = services.record_readings(
        actor=request.user,
        freezer=freezer,
        readings=[(reading.at, reading.celsius) for reading in readings],
        source=f"file {name}"[:64],
    )
    _answer_recorded(request, freezer, recorded)


def _answer_recorded(request, freezer, recorded: dict) -> None:
    low, high = freezer.band
    sentence = (
        f"{freezer.code}: {recorded['recorded']} reading(s) recorded, "
        f"{recorded['already_on_record']} already on record"
    )
    if recorded["outside_band"]:
        answer(
            request,
            f"{sentence}; {recorded['outside_band']} outside the band {low} to {high} °C: "
            "check the freezer and its tubes.",
            warn=True,
        )
    else:
        answer(request, f"{sentence}; all within the band {low} to {high} °C.")


def _plot(freezer, zone: str):
    newest = freezer.readings.order_by("-at").values_list("at", flat=True).first()
    if newest is None:
        return ""
    shown = list(
        freezer.readings.filter(at__gt=newest - PLOT_WINDOW).order_by("-at")[:PLOT_POINTS]
    )[::-1]
    here = zoneinfo.ZoneInfo(zone)
    points = [
        svg.Point(timezone.localtime(r.at, here), float(r.temperature_c), outside=not r.in_band)
        for r in shown
    ]
    low, high = freezer.band
    return svg.over_time(
        points,
        band=(float(low), float(high)),
        title=f"{freezer.code} temperatures ({zone}), {len(points)} readings",
        unit=" °C",
    )


@require_http_methods(["GET", "POST"])
@role_required(TECHNICIAN)
def temperatures(request, code: str):
    """Enter one reading or import a logger's file; see the plot and every reading."""
    freezer = found(lookups.freezer_for, request, code)
    zone = freezer.site.time_zone
    form = ReadingForm(
        request.POST if "add" in request.POST else None,
        zone=zone,
        initial={"at": local_now(zone)},
    )
    status = 200
    if request.method == "POST":
        try:
            if "import" in request.POST:
                _import(request, freezer)
                return redirect("storage-temperatures", code=freezer.code)
            if form.is_valid():
                recorded = services.record_readings(
                    actor=request.user,
                    freezer=freezer,
                    readings=[(form.cleaned_data["at"], form.cleaned_data["temperature_c"])],
                    source=form.cleaned_data["source"],
                )
                _answer_recorded(request, freezer, recorded)
                return redirect("storage-temperatures", code=freezer.code)
            answer(request, "The reading was not recorded: see the form.", ok=False)
        except DomainError as error:
            if form.is_bound:
                show_error(form, error)
            answer(request, error.detail, ok=False)
        status = 400
    table = ReadingTable(
        TemperatureReading.objects.filter(freezer=freezer)
        .select_related("recorded_by")
        .order_by("-at"),
        zone=zone,
    )
    tables.RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "freezers/temperatures.html",
        {"freezer": freezer, "form": form, "table": table, "plot": _plot(freezer, zone)},
        status=status,
    )
