"""The box types a biobank buys: cryoboxes 9×9 and 10×10, SBS racks 8×12, and a bag."""

from django.db import migrations

# code, name, rows, columns, naming, fill order, bag
BOX_TYPES = [
    ("9x9", "Cryobox 9×9 (81 tubes)", 9, 9, "letter_number", "row", False),
    ("10x10", "Cryobox 10×10 (100 tubes)", 10, 10, "letter_number", "row", False),
    ("10x10-num", "Cryobox 10×10 numbered 1–100", 10, 10, "sequential", "row", False),
    ("8x12", "SBS rack 8×12 (96 tubes)", 8, 12, "letter_number", "row", False),
    ("8x12-col", "SBS rack 8×12, filled column by column", 8, 12, "letter_number", "column", False),
    ("bag-50", "Bag of up to 50 tubes", 1, 50, "sequential", "row", True),
]


def load_box_types(apps, schema_editor):
    BoxType = apps.get_model("freezers", "BoxType")
    for code, name, rows, columns, naming, fill_order, is_bag in BOX_TYPES:
        BoxType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rows": rows,
                "columns": columns,
                "naming": naming,
                "fill_order": fill_order,
                "is_bag": is_bag,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("freezers", "0001_initial")]

    operations = [migrations.RunPython(load_box_types, migrations.RunPython.noop)]
