"""Create the demo admin for development; print its password only when it is made.

With DEBUG off there is no demo user: a portal others use gets its staff from
`createsuperuser`, never from a password printed to a terminal (and to whatever keeps
that terminal's output).
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from generator.models import Membership, Team

LOGIN_FILE = settings.VAR_DIR / "demo-login.txt"


class Command(BaseCommand):
    help = "Create the demo staff user if missing (development only) and print its login once."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stdout.write(
                "No demo user with DEBUG off: make staff with `manage.py createsuperuser`."
            )
            return
        User = get_user_model()
        username = "demo"
        password = ""
        if not User.objects.filter(username=username).exists() or not LOGIN_FILE.exists():
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            LOGIN_FILE.parent.mkdir(parents=True, exist_ok=True)
            LOGIN_FILE.write_text(f"{username}\n{password}\n")
            LOGIN_FILE.chmod(0o600)
        user = User.objects.get(username=username)
        team, _ = Team.objects.get_or_create(name="Demo team")
        Membership.objects.get_or_create(
            team=team, user=user, defaults={"role": Membership.Role.MANAGER}
        )
        if password:
            self.stdout.write(f"Demo login: user {username!r}, password {password!r}")
        else:
            self.stdout.write(f"Demo login: user {username!r}, password in {LOGIN_FILE}")
