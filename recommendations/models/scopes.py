"""Which Member States an editor may log for."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .catalogue import MemberState


class EditorScope(models.Model):
    """The Member States an editor may log for, assigned in the admin. No states: any state."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="editor_scope"
    )
    states = models.ManyToManyField(MemberState, blank=True, related_name="editor_scopes")

    history = HistoricalRecords(m2m_fields=[states])

    class Meta:
        verbose_name = "editor scope"

    def __str__(self) -> str:
        return f"Scope of {self.user}"
