"""Which Member States an editor may log for."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .catalogue import MemberState


class EditorScope(models.Model):
    """The Member States an editor may log for, assigned in the admin. No states: any state."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editor_scope",
        verbose_name=_("user"),
    )
    states = models.ManyToManyField(
        MemberState,
        blank=True,
        related_name="editor_scopes",
        verbose_name=pgettext_lazy("Member States", "states"),
    )

    # Named here: django-simple-history would otherwise read the lazy names at import time.
    history = HistoricalRecords(
        m2m_fields=[states],
        verbose_name=_("historical editor scope"),
        verbose_name_plural=_("historical editor scopes"),
    )

    class Meta:
        verbose_name = _("editor scope")
        verbose_name_plural = _("editor scopes")

    def __str__(self) -> str:
        return gettext("Scope of %(user)s") % {"user": self.user}
