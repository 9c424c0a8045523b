"""How complete each language is: the interface (locale/<language>/LC_MESSAGES/django.po) and the
catalogue's translations (recommendations/data/translations/<language>.yaml)."""

from django.core.management.base import BaseCommand, CommandError

from recommendations.localization import completeness


class Command(BaseCommand):
    help = "Report how complete each language's translation is; --strict fails on any gap."

    def add_arguments(self, parser):
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit with an error if any interface string is untranslated or fuzzy.",
        )

    def handle(self, *args, strict: bool, **options):
        lines = completeness()
        self.stdout.write(f"{'language':<10}{'interface':>22}{'fuzzy':>7}{'catalogue':>26}")
        for line in lines:
            interface = f"{line.interface_translated}/{line.interface_total}"
            share = 100 * line.interface_translated / (line.interface_total or 1)
            catalogue = f"{line.catalogue_translated}/{line.catalogue_total}"
            catalogue_share = 100 * line.catalogue_translated / (line.catalogue_total or 1)
            self.stdout.write(
                f"{line.language:<10}{interface:>14} {share:5.1f} %{line.fuzzy:>7}"
                f"{catalogue:>18} {catalogue_share:5.1f} %"
            )
        gaps = [line.language for line in lines if not line.interface_complete]
        if strict and gaps:
            raise CommandError(f"Interface translation incomplete or fuzzy: {', '.join(gaps)}.")
