"""Print a new personal API key for a user (for scripts and operators)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from generator.keys import services as keys


class Command(BaseCommand):
    help = "Create a personal API key for a user and print it (it is not shown again)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the username the key acts as")
        parser.add_argument("--name", required=True, help="a label to tell the key apart")
        parser.add_argument(
            "--monthly-points", type=int, default=None, help="the key's own monthly budget"
        )

    def handle(self, *args, user, name, monthly_points, **options):
        User = get_user_model()
        try:
            owner = User.objects.get(**{User.USERNAME_FIELD: user})
        except User.DoesNotExist:
            raise CommandError(f"There is no user {user!r}.") from None
        if not owner.is_active:
            raise CommandError(f"The user {user!r} is deactivated.")
        if not name.strip():
            raise CommandError("--name must not be empty.")
        if monthly_points is not None and monthly_points < 1:
            raise CommandError("--monthly-points must be at least 1.")
        _key, token = keys.key_create(user=owner, name=name, monthly_points=monthly_points)
        self.stdout.write(token)
