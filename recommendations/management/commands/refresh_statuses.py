"""Recompute every cell's current status and yearly counts from the approved log.

    manage.py refresh_statuses

The services keep both exact as updates are approved and withdrawn; this is the repair for data
written around them (a raw SQL fix, a partial import). When all is in order the statuses and
counts come out as they were (the cells' modification time is stamped). One transaction.
"""

from django.core.management.base import BaseCommand

from recommendations.services import cells_refresh_all
from tracker.database import statistics_refresh


class Command(BaseCommand):
    help = "Recompute every cell's current status and yearly counts from the approved log."

    def handle(self, *args, **options):
        cells = cells_refresh_all()
        statistics_refresh()
        self.stdout.write(self.style.SUCCESS(f"Recomputed {cells:,} cells from the approved log."))
