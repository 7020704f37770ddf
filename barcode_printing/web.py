"""How a print job's state is told on the workbench's pages, the same sentence everywhere."""

from barcode_printing.choices import PrintStatus
from barcode_printing.models import PrintJob


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
