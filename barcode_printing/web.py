"""What the workbench's pages share about printing: the printer form, a site's printers, the
PDF fallback's download, the one sentence that tells a print job's state, and the printing of
one label batch from the form."""

from django import forms
from django.http import HttpResponse

from barcode_printing.choices import PrinterKind, PrintStatus
from barcode_printing.models import Printer, PrintJob
from barcode_printing.services import print_labels
from barcode_printing.sources import LabelBatch
from lims.errors import DomainError
from lims.models import Site
from lims.web.pages import answer, show_error


class PrintForm(forms.Form):
    """A printer of ``site`` and a reprint's reason; ``printer`` cleans to the Printer itself.

    A site with no printer has nothing to choose: the form refuses with ``no_printer``, the
    sentence the printing pages show in its place."""

    printer = forms.ChoiceField(choices=())
    reason = forms.CharField(max_length=500, required=False, label="Reason (for a reprint)")

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.printers = {p.name: p for p in site_printers(site)}
        self.fields["printer"].choices = [
            (p.name, f"{p.name} ({p.get_kind_display()})") for p in self.printers.values()
        ]
        self.no_printer = (
            f"No label printer is set up for {site.code}, so labels cannot be printed here. "
            "An administrator adds one in the admin (Barcode printing › Printers)."
        )

    def clean_printer(self) -> Printer:
        return self.printers[self.cleaned_data["printer"]]

    def clean(self):
        if not self.printers:
            raise forms.ValidationError(self.no_printer, code="no_printer")
        return super().clean()


def site_printers(site: Site):
    """The site's active printers, its default first."""
    return Printer.objects.filter(site=site, active=True).order_by("-is_default_for_site", "name")


def download(rendered, stem: str) -> HttpResponse:
    """Labels rendered for the PDF printer, as an attachment named ``stem``."""
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{rendered.extension}"'
    return response


def job_sentence(job: PrintJob, what: str = "Labels") -> tuple[bool, str]:
    """Whether the job went through so far, and the sentence that says where it is."""
    where = job.printer.name if job.printer else "PDF"
    if job.status == PrintStatus.FAILED:
        return (
            False,
            f"{what} not printed on {where}: {job.error} Retry, or choose another printer.",
        )
    if job.status == PrintStatus.SENT:
        return True, f"{what} sent to {where}."
    return True, f"{what} queued for {where}; the job's status follows on this page."


def print_posted(
    request, site: Site, batch: LabelBatch, *, what: str, stem: str, done, page
) -> HttpResponse:
    """A page's printer form posted: ``batch`` printed on the printer it names at ``site``.

    The labels' download for the PDF printer; ``done`` (a redirect back to the page, the job's
    state answered on it) once a label printer has the job; else ``page(form)`` with the
    refusal on the form."""
    form = PrintForm(request.POST, site=site)
    if form.is_valid():
        printer = form.cleaned_data["printer"]
        try:
            job, rendered = print_labels(
                actor=request.user,
                batch=batch,
                printer=printer,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            if printer.kind == PrinterKind.PDF:
                return download(rendered, stem)
            ok, sentence = job_sentence(job, what)
            answer(request, sentence, ok=ok)
            return done
    answer(request, f"{what}: not printed; see the form.", ok=False)
    return page(form)
