"""Which derivative types each tube yields, and the clot an SST leaves, through the historical
models: serum and clot from an SST, plasma and buffy coat from a PST or an EDTA tube, urine
aliquots from urine, saliva and DNA from saliva. An aliquot may be split into its own type, and
DNA is extracted from buffy coat, whole blood, clot and saliva."""

from decimal import Decimal

from django.db import migrations

SST = ["SERUM", "CLOT"]
PST = ["PLASMA", "BUFFY"]
EDTA = ["PLASMA", "BUFFY", "WBLD", "DNA"]
YIELDS = {
    "1SST8": SST,
    "2SST8": SST,
    "1PST8": PST,
    "2PST8": PST,
    "1ED02": EDTA,
    "1ED04": EDTA,
    "1ED10": EDTA,
    "2ED10": EDTA,
    "1HEP4": ["PLASMA", "WBLD"],
    "1CFD9": ["PLASMA"],
    "1PXR2": ["WBLD"],
    "1UR10": ["URINE"],
    "1UR90": ["URINE"],
    "1SAL": ["SALIVA", "DNA"],
    "1SAL2": ["SALIVA", "DNA"],
    "SERUM": ["SERUM"],
    "PLASMA": ["PLASMA"],
    "BUFFY": ["BUFFY", "DNA"],
    "WBLD": ["WBLD", "DNA"],
    "CLOT": ["CLOT", "DNA"],
    "URINE": ["URINE"],
    "SALIVA": ["SALIVA", "DNA"],
    "DNA": ["DNA"],
}


def load_derivative_rules(apps, schema_editor):
    SpecimenType = apps.get_model("specimens", "SpecimenType")
    SpecimenType.objects.get_or_create(
        code="CLOT",
        defaults={
            "name": "Clot aliquot",
            "kind": "derivative",
            "container": "2 mL cryovial",
            "nominal_volume_ml": Decimal("2"),
            "storage_class": "ultra_cold",
        },
    )
    types = {t.code: t for t in SpecimenType.objects.filter(code__in=YIELDS)}
    for code, derived in YIELDS.items():
        if code in types:
            types[code].yields.set([types[d] for d in derived if d in types])


def forget_derivative_rules(apps, schema_editor):
    SpecimenType = apps.get_model("specimens", "SpecimenType")
    for specimen_type in SpecimenType.objects.all():
        specimen_type.yields.clear()


class Migration(migrations.Migration):
    dependencies = [("specimens", "0005_specimen_type_yields")]

    operations = [migrations.RunPython(load_derivative_rules, forget_derivative_rules)]
