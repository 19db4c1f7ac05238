from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0025_spending_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="appdefinition",
            name="people_positions",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text=(
                    "A group photo app: how many people its photo form takes, one photo each "
                    "(0: one photo). Empty: as A1's app details say (positionNum)."
                ),
                null=True,
                verbose_name="people positions",
            ),
        ),
    ]
