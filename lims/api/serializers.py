"""Serializers for authentication, sites and memberships."""

import zoneinfo

from rest_framework import serializers

from lims.api.base import ReasonField, ScopedSlugField, StrictSerializer
from lims.choices import Role
from lims.models import Membership, Site, User


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()
    username = serializers.CharField()


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["code", "name", "kind", "time_zone", "responsible_name", "responsible_phone"]


class SiteUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    time_zone = serializers.ChoiceField(
        choices=sorted(zoneinfo.available_timezones()), required=False
    )
    reason = ReasonField(required=False)


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    site = serializers.CharField(source="site.code")

    class Meta:
        model = Membership
        fields = ["username", "site", "role", "granted_at", "ended_at"]


class MembershipChangeSerializer(StrictSerializer):
    username = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True)
    )
    site = ScopedSlugField(slug_field="code", queryset=Site.objects.all())
    role = serializers.ChoiceField(choices=Role.choices)
    reason = ReasonField(required=False)


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "is_superuser", "memberships"]

    def get_memberships(self, user) -> list[dict]:
        active = user.memberships.active().select_related("site")
        return [{"site": m.site.code, "role": m.role} for m in active]
