from django.db import migrations, models


class Migration(migrations.Migration):
    """Events written so far keep the canonical form they were hashed in: version 1."""

    dependencies = [("specimens", "0006_derivatives_by_parent")]

    operations = [
        migrations.AddField(
            model_name="custodyevent",
            name="version",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
    ]
