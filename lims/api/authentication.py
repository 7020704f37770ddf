"""Token authentication in one query: the token and its user, nothing else per request."""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's hashed, expiring tokens, without its per-request sweep of the user's other tokens
    (a second query on every call): expired tokens are refused here and deleted by
    ``manage.py purge_expired_tokens``."""

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


class TokenScheme(KnoxTokenScheme):
    """The schema's security scheme for these tokens, as drf-spectacular gives knox's."""

    target_class = "lims.api.authentication.TokenAuthentication"
