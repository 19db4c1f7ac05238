"""Create the demo admin on first run; print its login every run."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from generator.models import Membership, Team

LOGIN_FILE = settings.VAR_DIR / "demo-login.txt"


class Command(BaseCommand):
    help = "Create the demo staff user if missing and print its login."

    def handle(self, *args, **options):
        User = get_user_model()
        username = "demo"
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
        username, password = LOGIN_FILE.read_text().split()[:2]
        self.stdout.write(f"Demo login: user {username!r}, password {password!r}")
