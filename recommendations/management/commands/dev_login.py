"""Give a newcomer a local staff login in development mode.

On a database with no users it creates an administrator with a random password, writes the
credentials to a gitignored file and prints them; on later runs it prints that file again. It
refuses to run in production mode (DJANGO_DEBUG=0): production users are created on purpose.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from recommendations.services import dev_logins_create


class Command(BaseCommand):
    help = "Development only: create local staff logins on an empty database and print them."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("dev_login runs in development mode only (DJANGO_DEBUG is off).")
        login_file = settings.TRACKER_DEV_LOGIN_FILE
        if not get_user_model().objects.exists():
            logins = dev_logins_create(password_factory=lambda: secrets.token_urlsafe(12))
            lines = [
                f"  {username:<10} {password:<20} {role}" for username, password, role in logins
            ]
            login_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if login_file.exists():
            self.stdout.write("Local logins (development only), sign in at /accounts/login/:")
            self.stdout.write(login_file.read_text(encoding="utf-8").rstrip())
        else:
            self.stdout.write(
                "Users already exist. Sign in with yours, or add one: "
                ".venv/bin/python manage.py createsuperuser"
            )
