"""Writes of a user's own preferences."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from tracker.languages import supported

from ..models import LanguagePreference


def language_remember(user, language: str) -> None:
    """Keep the user's interface language on their account (one of settings.LANGUAGES)."""
    if not supported(language):
        raise ValueError(f"{language!r} is not one of the interface languages")
    LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})


def language_of(user) -> str | None:
    """The language the user chose, or None (read with the user when a query selected
    ``language_preference``)."""
    try:
        chosen = user.language_preference.language
    except ObjectDoesNotExist:  # no choice made
        return None
    return chosen if supported(chosen) else None
