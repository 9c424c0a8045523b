"""E-mail each editor and reviewer their daily digest.

    manage.py send_digests [--dry-run]

Editors: their own updates returned to them, and the cells of their Member States with no
approved update for more than DJANGO_STALE_MONTHS months (or none ever). Reviewers, when
DJANGO_REVIEW_MAIL=daily: the submitted updates of their Member States waiting for them. One mail
per person, none to someone with nothing to report. Run it once a day (cron or a systemd timer,
see the README). Exits with status 1 when any mail could not be sent (the others still go).
"""

from django.core.management.base import BaseCommand, CommandError

from recommendations.services import digests_send


class Command(BaseCommand):
    help = "E-mail each editor and reviewer their daily digest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the recipients and what their digest holds; send nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        report = digests_send(dry_run=dry_run)
        for digest in report.sent:
            self.stdout.write(digest.summary())
        for digest in report.failed:
            self.stderr.write(f"FAILED {digest.summary()}")
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(report.sent)} digest(s)."))
        if report.failed:
            raise CommandError(f"{len(report.failed)} digest(s) could not be sent; see the log.")
