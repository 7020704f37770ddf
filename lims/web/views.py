"""Pages of the shell itself: the header search that opens any ID's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from lims import search as registry
from lims.errors import DomainError


@require_safe
@login_required
def search(request):
    """Open the page of the scanned or typed ID; a wrong or unknown one is answered on this page
    (200: the search ran and says what it found, rather than a bare 404 page)."""
    text = request.GET.get("q", "")
    try:
        return redirect(registry.resolve(request.user, text))
    except DomainError as error:
        return render(
            request,
            "lims/search.html",
            {
                "refusal": error.detail,
                "search_text": text[: registry.MAX_LENGTH],
                "kinds": registry.kinds(),
            },
        )
