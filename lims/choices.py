"""Enumerations for sites and roles."""

from django.db import models


class SiteKind(models.TextChoices):
    COLLECTION = "collection", "Collection site"
    BIOBANK = "biobank", "Biobank"


class Role(models.TextChoices):
    PHLEBOTOMIST = "phlebotomist", "Phlebotomist"
    BIOBANK_TECHNICIAN = "biobank_technician", "Biobank technician"
    AUDITOR = "auditor", "Auditor"
    SITE_ADMIN = "site_admin", "Site admin"
