"""API tokens: a program acts for the person who made the token (knox keeps only its hash)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager


class ApiTokenQuerySet(models.QuerySet):
    def of(self, user) -> ApiTokenQuerySet:
        """A person's tokens, newest first."""
        return self.filter(user=user).order_by("-created")

    def current(self) -> ApiTokenQuerySet:
        """The tokens not expired (knox deletes an expired one when it is next presented)."""
        return self.filter(models.Q(expiry__isnull=True) | models.Q(expiry__gt=timezone.now()))


# knox's manager (``create`` returns the token and the text shown once), with our reads.
ApiTokenManager = AuthTokenManager.from_queryset(ApiTokenQuerySet)


class ApiToken(AbstractAuthToken):
    """knox's token with a name its owner gives it ("Ministry dashboard", "CI sync")."""

    name = models.CharField(_("name"), max_length=100)

    objects = ApiTokenManager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()
