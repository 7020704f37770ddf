"""Each shipment's receipt tally, kept by triggers (shipments.tally) and counted once for the
shipments that exist."""

import django.db.models.deletion
from django.db import migrations, models

from shipments import tally


class Migration(migrations.Migration):
    dependencies = [
        ("shipments", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReceiptTally",
            fields=[
                (
                    "shipment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="tally",
                        serialize=False,
                        to="shipments.shipment",
                    ),
                ),
                ("pending", models.PositiveIntegerField(default=0)),
                ("received", models.PositiveIntegerField(default=0)),
                ("damaged", models.PositiveIntegerField(default=0)),
                ("missing", models.PositiveIntegerField(default=0)),
                ("unexpected", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(tally.install, tally.remove),
    ]
