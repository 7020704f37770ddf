"""What the specimen core shows on the dashboard: the processing delay per collection site."""

from lims.choices import Role
from lims.web import panels
from specimens.models import Specimen

PROCESSING = panels.Bins(
    edges=(0.5, 1, 2, 4), labels=("< 30 min", "30–60 min", "1–2 h", "2–4 h", "> 4 h")
)


def processing_delay(user) -> panels.Panel:
    counts = panels.distribution(
        Specimen.objects.for_user(user).filter(parent__isnull=True),
        group="collection_site__code",
        start="collected_at",
        end="processed_at",
        bins=PROCESSING,
    )
    return panels.distribution_panel(
        "Processing delay (collection → processing)",
        counts,
        PROCESSING,
        what="Tubes processed, by collection site. The program wants SSTs clotted 30 minutes "
        "and processed within 4 hours.",
    )


def register() -> None:
    panels.register("processing_delay", processing_delay, roles=list(Role), order=30)
