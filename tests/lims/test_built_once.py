"""A serializer whose fields are built once per class gives each instance fields of its own:
two instances alive at once each answer with their own context, nested fields included."""

from rest_framework import serializers

from lims.api.base import BuiltOnceModelSerializer
from lims.models import Membership, Site, User


class _MembershipSerializer(BuiltOnceModelSerializer):
    seen_by = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["role", "seen_by"]

    def get_seen_by(self, membership) -> str:
        return self.context["viewer"]


class _SiteSerializer(BuiltOnceModelSerializer):
    seen_by = serializers.SerializerMethodField()
    members = _MembershipSerializer(many=True, source="member_list")
    tags = serializers.ListField(child=serializers.CharField(), source="tag_list")

    class Meta:
        model = Site
        fields = ["code", "kind", "seen_by", "members", "tags"]

    def get_seen_by(self, site) -> str:
        return self.context["viewer"]


def _site(code: str, *roles: str, tags=()) -> Site:
    site = Site(code=code, name=code, kind="collection", time_zone="UTC")
    site.member_list = [Membership(user=User(username=r), site=site, role=r) for r in roles]
    site.tag_list = list(tags)
    return site


def test_two_instances_alive_at_once_each_read_their_own_context():
    north = _site("NORTH", "phlebotomist", tags=["a"])
    south = _site("SOUTH", "site_admin", "phlebotomist", tags=["b", "c"])
    first = _SiteSerializer(north, context={"viewer": "ann"})
    second = _SiteSerializer(south, context={"viewer": "bob"})
    # Both built before either answers: fields shared between them would answer for the last.
    assert first.fields is not second.fields
    assert second.data == {
        "code": "SOUTH",
        "kind": "collection",
        "seen_by": "bob",
        "members": [
            {"role": "site_admin", "seen_by": "bob"},
            {"role": "phlebotomist", "seen_by": "bob"},
        ],
        "tags": ["b", "c"],
    }
    assert first.data == {
        "code": "NORTH",
        "kind": "collection",
        "seen_by": "ann",
        "members": [{"role": "phlebotomist", "seen_by": "ann"}],
        "tags": ["a"],
    }


def test_each_field_is_bound_to_its_own_serializer():
    first, second = _SiteSerializer(context={"viewer": "ann"}), _SiteSerializer(context={})
    for name, field in first.fields.items():
        twin = second.fields[name]
        assert field is not twin and field.parent is first and twin.parent is second
    assert first.fields["members"].child is not second.fields["members"].child
    assert first.fields["tags"].child.parent is first.fields["tags"]
