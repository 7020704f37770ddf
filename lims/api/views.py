"""API views for authentication, sites and memberships."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from lims import services
from lims.api.authentication import TokenAuthentication
from lims.api.base import LimsAPIView, LimsViewMixin, ScopedViewSet
from lims.api.serializers import (
    MembershipChangeSerializer,
    MembershipSerializer,
    MeSerializer,
    SiteSerializer,
    SiteUpdateSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from lims.errors import DomainError
from lims.models import Membership, Site
from lims.security import LoginThrottle


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    title = "Sign-in failed"
    headers = {"WWW-Authenticate": "Token"}


class TokenView(LimsAPIView):
    """Exchange a username and password for a token for this device."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (LoginThrottle,)
    # The answer holds a secret; it must never be stored for replay.
    idempotent = False

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        # Axes needs the Django request to count failures per user and address.
        user = authenticate(request._request, **self.validated(TokenRequestSerializer))
        if user is None:
            raise InvalidCredentials("Unable to sign in with this username and password.")
        instance, token = AuthToken.objects.create(user)
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(
            TokenSerializer(
                {"token": token, "expiry": instance.expiry, "username": user.username}
            ).data
        )


class LogoutView(LimsViewMixin, knox_views.LogoutView):
    """Revoke the token that signs this request."""

    # knox's views name knox's own class; ours is the one every other view uses.
    authentication_classes = (TokenAuthentication,)
    idempotent = False

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(LimsViewMixin, knox_views.LogoutAllView):
    """Revoke every token of the signed-in user, on every device."""

    # knox's views name knox's own class; ours is the one every other view uses.
    authentication_classes = (TokenAuthentication,)
    idempotent = False

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class MeView(LimsAPIView):
    """The signed-in user and the roles they hold."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class SiteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Sites in the user's scope; a site admin may rename a site or change its time zone."""

    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    lookup_field = "code"
    filterset_fields = ["kind"]

    @extend_schema(request=SiteUpdateSerializer, responses=SiteSerializer)
    def partial_update(self, request, code=None):
        site = self.get_object()
        given = self.validated(SiteUpdateSerializer)
        fields = {k: v for k, v in given.items() if k != "reason"}
        site = services.site_update(
            actor=request.user, site=site, reason=self.change_reason, **fields
        )
        return Response(SiteSerializer(site).data)


class MembershipViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Roles held at the user's sites; site admins grant and end them."""

    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    filterset_fields = ["role"]

    def refine_queryset(self, queryset):
        queryset = queryset.select_related("user", "site")
        return queryset if self.request.query_params.get("ended") else queryset.active()

    def _change(self, service):
        data = self.validated(MembershipChangeSerializer)
        return service(
            actor=self.request.user,
            user=data["username"],
            site=data["site"],
            role=data["role"],
            reason=self.change_reason,
        )

    @extend_schema(request=MembershipChangeSerializer, responses={201: MembershipSerializer})
    def create(self, request):
        membership = self._change(services.membership_grant)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipChangeSerializer, responses=MembershipSerializer)
    @action(detail=False, methods=["post"])
    def end(self, request):
        membership = self._change(services.membership_end)
        return Response(MembershipSerializer(membership).data)
