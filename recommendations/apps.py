from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Debate follow-up")

    def ready(self):
        from . import signals  # noqa: F401 -- connects the receivers

    def warm(self) -> None:
        """Load what the pages keep for the process's life (``tracker.serving``): the Unicode
        collation table (107,000 objects) and each language's names of the Member States."""
        from django.conf import settings
        from django.utils import translation

        from .localization import sort_key, state_name

        sort_key("a")
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                state_name("FRA", "France")
