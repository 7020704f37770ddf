"""POST /api/v1/notes/{id}/redact: an administrator wipes a note's text, with a reason."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from lims.api.base import LimsAPIView
from specimens import services


class NoteRedactView(LimsAPIView):
    """Redact note ``note`` (number or digest) and every copy of its text; the body's
    ``reason`` says why."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, note):
        redaction, *copies = services.note_redact(
            actor=request.user, note=note, reason=self.change_reason
        )
        return Response(
            {
                "note": redaction.note_id,
                "digest": redaction.note.digest,
                "redacted_at": redaction.at,
                "redacted_by": redaction.actor.get_username(),
                "reason": redaction.reason,
                "copies": [{"note": c.note_id, "digest": c.note.digest} for c in copies],
            }
        )
