"""The fields and filters other apps add to the specimen: each name is taken once, and what is
added reaches the representation, the list's filters and the OpenAPI schema."""

import django_filters
import pytest
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from specimens import extensions


def test_a_field_or_filter_name_is_added_once():
    with pytest.raises(ImproperlyConfigured, match="'storage'"):
        extensions.add_field("storage", field=serializers.Field, fetch=lambda queryset: queryset)
    with pytest.raises(ImproperlyConfigured, match="'box'"):
        extensions.add_filter("box", django_filters.CharFilter(field_name="barcode"))
    assert set(extensions.fields()) == {"storage", "shipment"}
    assert set(extensions.filters()) == {"box", "shipment"}


def test_the_schema_documents_the_added_fields_and_filters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    specimen = schema["components"]["schemas"]["Specimen"]["properties"]
    assert {"storage", "shipment"} <= set(specimen)
    parameters = schema["paths"]["/api/v1/specimens/"]["get"]["parameters"]
    assert {"box", "shipment"} <= {parameter["name"] for parameter in parameters}
