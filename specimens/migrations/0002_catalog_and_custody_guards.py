"""The program's tube catalog and tube sets, loaded through the historical models.

The append-only guards on custody tables are not installed here: they are built from the live
model registry, which a migration must not use; ``lims`` installs them after every migrate.
"""

from decimal import Decimal

from django.db import migrations

# code, name, kind, container, cap colour, draw order, nominal mL, labels per tube,
# needs processing, centrifuge, min/max minutes from collection to processing, storage class,
# density g/mL (to derive volume from weight).
PRIMARY = [
    ("1SST8", "8 mL serum separator, swinging bucket", "blood", "8 mL SST", "red/grey", 1, "8", 1,
     True, "swinging_bucket", 30, 240, "refrigerated", None),
    ("2SST8", "8 mL serum separator, fixed angle", "blood", "8 mL SST", "red/grey", 1, "8", 1,
     True, "fixed_angle", 30, 240, "refrigerated", None),
    ("1PST8", "8 mL plasma separator, swinging bucket", "blood", "8 mL PST", "green/grey", 2, "8",
     1, True, "swinging_bucket", None, 240, "refrigerated", None),
    ("2PST8", "8 mL plasma separator, fixed angle", "blood", "8 mL PST", "green/grey", 2, "8", 1,
     True, "fixed_angle", None, 240, "refrigerated", None),
    ("1HEP4", "4 mL sodium heparin", "blood", "4 mL heparin tube", "green", 3, "4", 1, False, "",
     None, None, "refrigerated", None),
    ("1ED02", "2 mL EDTA", "blood", "2 mL EDTA tube", "purple", 4, "2", 1, False, "", None, None,
     "refrigerated", None),
    ("1ED04", "4 mL EDTA", "blood", "4 mL EDTA tube", "lavender", 4, "4", 1, False, "", None,
     None, "refrigerated", None),
    ("1ED10", "1st 10 mL EDTA", "blood", "10 mL EDTA tube", "lavender", 5, "10", 1, False, "",
     None, None, "refrigerated", None),
    ("2ED10", "2nd 10 mL EDTA", "blood", "10 mL EDTA tube", "lavender", 6, "10", 1, False, "",
     None, None, "refrigerated", None),
    ("1CFD9", "Cell-free DNA", "blood", "cell-free DNA tube", "clear/blue", 7, "9", 1, False, "",
     None, None, "refrigerated", None),
    ("1PXR2", "PAXgene RNA", "blood", "PAXgene RNA tube", "clear/red", 8, "2.5", 1, False, "",
     None, None, "refrigerated", None),
    ("1UR10", "Urine 10 mL", "urine", "10 mL urine tube", "yellow", None, "10", 2, False, "",
     None, None, "refrigerated", "1.015"),
    ("1UR90", "Urine 90 mL cup", "urine", "90 mL urine cup", "orange", None, "90", 2, False, "",
     None, None, "refrigerated", "1.015"),
    ("1SAL", "Saliva kit", "saliva", "Oragene saliva kit", "", None, "2", 1, False, "", None,
     None, "ambient", "1.000"),
    ("1SAL2", "Saliva kit (FDA)", "saliva", "Oragene saliva kit", "", None, "2", 1, False, "",
     None, None, "ambient", "1.000"),
]
DERIVATIVES = [
    ("SERUM", "Serum aliquot", "ultra_cold"),
    ("PLASMA", "Plasma aliquot", "ultra_cold"),
    ("BUFFY", "Buffy coat aliquot", "ultra_cold"),
    ("WBLD", "Whole blood aliquot", "ultra_cold"),
    ("URINE", "Urine aliquot", "ultra_cold"),
    ("SALIVA", "Saliva aliquot", "ultra_cold"),
    ("DNA", "Extracted DNA", "frozen"),
]
ADULT = [row[0] for row in PRIMARY]
# Pediatric sets by weight band (kg): smaller EDTA draws, urine and saliva.
PEDIATRIC = {
    Decimal("2.5"): ["1ED02", "1UR10", "1SAL2"],
    Decimal("5"): ["1ED02", "1ED04", "1UR10", "1SAL2"],
    Decimal("16.4"): ["1ED04", "1ED10", "1PST8", "1UR10", "1SAL2"],
}


def load_catalog(apps, schema_editor):
    SpecimenType = apps.get_model("specimens", "SpecimenType")
    TubeSet = apps.get_model("specimens", "TubeSet")
    for (code, name, kind, container, cap, order, volume, labels, processing, centrifuge, low,
         high, storage, density) in PRIMARY:
        SpecimenType.objects.create(
            code=code, name=name, kind=kind, container=container, cap_colour=cap,
            draw_order=order, nominal_volume_ml=Decimal(volume), labels_per_tube=labels,
            needs_processing=processing, centrifuge=centrifuge, min_processing_minutes=low,
            max_processing_minutes=high, storage_class=storage,
            density_g_per_ml=Decimal(density) if density else None)
    for code, name, storage in DERIVATIVES:
        SpecimenType.objects.create(code=code, name=name, kind="derivative",
                                    container="2 mL cryovial", nominal_volume_ml=Decimal("2"),
                                    storage_class=storage)
    adult = TubeSet.objects.create(name="adult", version=1)
    adult.types.set(SpecimenType.objects.filter(code__in=ADULT))
    for weight, codes in PEDIATRIC.items():
        band = TubeSet.objects.create(name=f"pediatric {weight} kg", version=1, pediatric=True,
                                      min_weight_kg=weight)
        band.types.set(SpecimenType.objects.filter(code__in=codes))


class Migration(migrations.Migration):
    dependencies = [("specimens", "0001_initial")]

    operations = [
        migrations.RunPython(load_catalog, migrations.RunPython.noop),
    ]
