"""Single sign-on links: which provider identity logs in as which account."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import migrations, models
from django.db.models import Q


def link_staff_that_sso_made(apps, schema_editor):
    """Staff accounts that single sign-on made before links existed (no usable password,
    an address) keep logging in through it: they get the link staff would make in the
    admin, which their next log-in completes. Local staff accounts (a password) get none:
    single sign-on reaches them only once staff link them."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    SsoLink = apps.get_model("accounts", "SsoLink")
    made = (
        User.objects.filter(
            Q(is_staff=True) | Q(is_superuser=True), password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    SsoLink.objects.bulk_create([SsoLink(user_id=pk) for pk in made])


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SsoLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "issuer",
                    models.CharField(
                        blank=True, editable=False, max_length=300, verbose_name="provider"
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="The provider's id for this person, filled in by their next single sign-on with the account's verified email address. Only a link added here lets single sign-on into a staff or superuser account.",
                        max_length=255,
                        verbose_name="subject",
                    ),
                ),
                (
                    "created",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "linked_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="first log-in"
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sso_link",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "single sign-on link",
                "verbose_name_plural": "single sign-on links",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("subject", ""), _negated=True),
                        fields=("issuer", "subject"),
                        name="one_account_per_sso_identity",
                    )
                ],
            },
        ),
        migrations.RunPython(link_staff_that_sso_made, migrations.RunPython.noop),
    ]
