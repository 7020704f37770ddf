"""Base classes every API view inherits: change reasons, idempotent POSTs and site scoping;
and the permission of the auditors' endpoints."""

import copy
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from lims.api import idempotency
from lims.api.problems import PROBLEM_CONTENT_TYPE
from lims.api.renderers import CSVRenderer, stream_queryset_csv, wants_csv
from lims.free_text import screen
from lims.scoping import Scope, require_auditor, scope_of

REASON_HEADER = "X-Change-Reason"
# The body's field for the change reason: every write takes it, whatever else it takes.
REASON_FIELD = "reason"


class AuditorsOnly(BasePermission):
    """The auditors' endpoints (custody feed, chain verification): ``require_auditor``'s rule,
    refused with its problem, after sign-in."""

    def has_permission(self, request, view) -> bool:
        require_auditor(request.user, action="review custody trails")
        return True


AUDITORS = [IsAuthenticated, AuditorsOnly]


class LimsViewMixin:
    """Conventions for every API view.

    * The change reason of every write (``reason`` in the body, else the X-Change-Reason
      header) is checked and screened once, kept as ``change_reason`` for services that take a
      reason, and put on the request, so history keeps it beside whatever a service records.
    * A POST carrying an Idempotency-Key runs in one transaction with its stored response.
    """

    idempotent = True
    change_reason = ""
    # Whether the body's ``reason`` is this view's change reason (a batch's body is the requests
    # it carries; its reason comes in the header).
    body_reason = True

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and self.idempotent and idempotency.HEADER in request.headers:
            self.idempotency_fingerprint = idempotency.fingerprint(request)
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.change_reason = given_reason(request, from_body=self.body_reason)
        request._request.lims_change_reason = self.change_reason
        if hasattr(self, "idempotency_fingerprint"):
            self.idempotency_record = idempotency.claim(
                user=request.user,
                key=request.headers[idempotency.HEADER],
                request_fingerprint=self.idempotency_fingerprint,
            )

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response()
        return super().handle_exception(exc)

    @cached_property
    def scope(self) -> Scope:
        return scope_of(self.request.user)

    def validated(self, serializer_class, data=None) -> dict:
        """The request body (or ``data``) checked by ``serializer_class`` (400 problem+json
        otherwise)."""
        body = self.request.data if data is None else data
        # The request's own body may carry its change reason, already read by initial().
        takes_reason = self.body_reason and body is self.request.data
        given = serializer_class(
            data=body,
            context={"request": self.request, "view": self, "takes_reason": takes_reason},
        )
        given.is_valid(raise_exception=True)
        return given.validated_data

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "content_type", None) == PROBLEM_CONTENT_TYPE:
            # An error is problem+json even when the request asked for CSV or a PDF.
            response.accepted_renderer = JSONRenderer()
        record = getattr(self, "idempotency_record", None)
        if record is not None:
            if response.status_code >= 500:
                transaction.set_rollback(True)
            else:
                idempotency.remember(record, response)
        return response


class LimsAPIView(LimsViewMixin, APIView):
    """An API view without a queryset (authentication, reports)."""


class ScopedViewSet(LimsViewMixin, GenericViewSet):
    """The one base for resource views: rows outside the user's sites do not exist (404).

    ``queryset`` must come from a QuerySet with ``for_user(user)``; views narrow or prefetch in
    ``refine_queryset`` and never override ``get_queryset``.
    """

    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        queryset = super().get_queryset()
        if not hasattr(queryset, "for_user"):
            raise ImproperlyConfigured(f"{type(self).__name__}.queryset has no for_user()")
        return self.refine_queryset(queryset.for_user(self.request.user))

    def refine_queryset(self, queryset):
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": self.scope}


class CSVExportMixin:
    """A list whose ``?format=csv`` is the whole filtered result, streamed: never one page."""

    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_filename = "export.csv"

    def list(self, request, *args, **kwargs):
        if not wants_csv(request):
            return super().list(request, *args, **kwargs)
        return stream_queryset_csv(
            self.filter_queryset(self.get_queryset()),
            self.get_serializer_class(),
            context=self.get_serializer_context(),
            filename=self.csv_filename,
        )


class BuiltOnceModelSerializer(serializers.ModelSerializer):
    """A representation whose fields are worked out from the model once per class, then
    copied for each use: building them again from the model's fields cost more than the rest
    of a scan's answer. Its fields must depend on nothing but the class (not on the instance,
    the request or the context)."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built
        return {name: _copy_field(field) for name, field in built.items()}


def _copy_field(field: serializers.Field) -> serializers.Field:
    """A copy of ``field`` for one serializer instance. Binding gives a plain field its own name
    and parent, so a plain copy of its attributes will do, for a fraction of the deep copy DRF
    makes of declared fields (which builds each field again from its arguments). A field that
    holds fields (a nested serializer, a list of relations or values) is copied deeply: its
    children are bound to it, and through it to the serializer whose context they read."""
    if isinstance(field, _HOLDS_FIELDS):
        return copy.deepcopy(field)
    twin = object.__new__(type(field))
    twin.__dict__.update(field.__dict__)
    return twin


_HOLDS_FIELDS = (
    serializers.BaseSerializer,
    serializers.ManyRelatedField,
    serializers.ListField,
    serializers.DictField,
)


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know instead of ignoring them.

    A request body's ``reason`` is known wherever the base view validates that body, which
    has read it (``given_reason``); a serializer declares it only where it needs the value.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            if self.parent is None and self.context.get("takes_reason"):
                writable.add(REASON_FIELD)
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
                        for name in unknown
                    }
                )
            _refuse_unplain_numbers(self.fields, data)
        return super().to_internal_value(data)


# Python's int() and Decimal() also read "1_000" and digits of other scripts ("١٢"); a number
# typed or sent to the LIMS is written in ASCII digits, with a point for decimals.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def _refuse_unplain_numbers(fields, data: dict) -> None:
    numeric = (serializers.IntegerField, serializers.DecimalField, serializers.FloatField)
    wrong = {
        name: ["Write the number in plain digits 0-9, with a point for decimals."]
        for name, field in fields.items()
        if isinstance(field, numeric)
        and isinstance(data.get(name), str)
        and not _PLAIN_NUMBER.fullmatch(data[name].strip())
    }
    if wrong:
        raise serializers.ValidationError(wrong)


class ScopedSlugField(serializers.SlugRelatedField):
    """Looks up an object by its public code among those the requesting user can see, so that
    an out-of-scope code reads as unknown rather than forbidden."""

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return self.queryset.for_user(user) if user is not None else self.queryset.none()


class ReasonField(serializers.CharField):
    """The free-text why of a change; required where the change needs one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("trim_whitespace", True)
        # Blank defers to the X-Change-Reason header; the service decides if a reason is needed.
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


def given_reason(request, *, from_body: bool = True) -> str:
    """The change reason a request gives: ``reason`` in a body, else the X-Change-Reason header;
    at most 500 characters and screened like every free text. Blank when none is given."""
    data = request.data if from_body and request.method not in SAFE_METHODS else {}
    body = data.get(REASON_FIELD) if isinstance(data, Mapping) else None
    try:
        text = ReasonField().run_validation(body) if body is not None else ""
        if not text:
            text = ReasonField().run_validation(request.headers.get(REASON_HEADER, ""))
    except serializers.ValidationError as error:
        raise serializers.ValidationError({REASON_FIELD: error.detail}) from None
    return screen(text, field=REASON_FIELD)
