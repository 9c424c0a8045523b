"""What a signed-in user chose for themselves."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LanguagePreference(models.Model):
    """The interface language a user chose in the switcher, so it follows them to any device."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="language_preference",
        verbose_name=_("user"),
    )
    # No choices here: adding a language to settings.LANGUAGES needs no migration;
    # services.preferences.language_remember accepts only those languages.
    language = models.CharField(_("language"), max_length=10)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")

    def __str__(self) -> str:
        return f"{self.user}: {dict(settings.LANGUAGES).get(self.language, self.language)}"
