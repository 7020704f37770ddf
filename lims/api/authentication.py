"""Token authentication in one query: the token, its user and the user's memberships."""

import binascii
from hmac import compare_digest

from django.db.models import CharField, F, FilteredRelation
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from lims.compiled import Compiled, Given
from lims.models import Membership
from lims.scoping import remember_scope

_HELD = "user__memberships__"


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's hashed, expiring tokens, read with the user's active memberships in one joined
    query (one row per membership), so the request's scope costs no query of its own; without
    knox's per-request sweep of the user's other tokens: expired tokens are refused here and
    deleted by ``manage.py purge_expired_tokens``."""

    def authenticate_credentials(self, token):
        text = token.decode("utf-8")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        rows = _token_with_memberships(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH])
        found = [row for row in rows if compare_digest(digest, row.digest)]
        if not found or self._cleanup_token(found[0]):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        auth_token = found[0]
        if knox_settings.AUTO_REFRESH and auth_token.expiry:
            self.renew_token(auth_token)
        user, auth_token = self.validate_user(auth_token)
        remember_scope(
            user,
            [(row.held_site, row.held_role, row.held_kind) for row in found if row.held_site],
        )
        return user, auth_token

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


@Compiled
def _token_with_memberships(_key):
    """The token of a key, with its user and one row per active membership (compiled once)."""
    return (
        get_token_model()
        .objects.filter(token_key=Given("token_key", CharField()))
        .select_related("user")
        .annotate(
            held=FilteredRelation("user__memberships", condition=Membership.active_condition(_HELD))
        )
        .annotate(
            held_site=F("held__site_id"),
            held_role=F("held__role"),
            held_kind=F("held__site__kind"),
        )
    )


class TokenScheme(KnoxTokenScheme):
    """The schema's security scheme for these tokens, as drf-spectacular gives knox's."""

    target_class = "lims.api.authentication.TokenAuthentication"
