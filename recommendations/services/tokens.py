"""A person's API tokens: made with a name and an expiry, shown once, revoked by their owner.

knox keeps only a token's hash (SHA-512) and the first characters, which the Tokens page shows
to tell tokens apart; the text itself is given once, when it is made, and never again.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import ApiToken
from .workflow import WorkflowError

#: tokens one person may hold at once: enough for every program they run, not a leak's worth
TOKENS_PER_PERSON = 20
#: the expiries offered, in days (None: the token lasts until it is revoked)
EXPIRY_DAYS = (30, 90, 365, None)


@transaction.atomic
def token_create(*, user, name: str, days: int | None) -> tuple[ApiToken, str]:
    """A new token for ``user``, and its text (the only time it is seen)."""
    if not (user.is_authenticated and user.is_active):
        raise WorkflowError(_("Sign in to make an API token."), "authentication")
    name = " ".join(name.split())
    if not name:
        raise WorkflowError(_("Name the token after the program that will use it."), "name")
    if days not in EXPIRY_DAYS:
        raise WorkflowError(_("Choose one of the expiries offered."), "expiry")
    # Counted under a lock of the person's row: two tabs cannot both make the twentieth.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.of(user).current().count() >= TOKENS_PER_PERSON:
        raise WorkflowError(
            _("You hold %(n)s tokens, the most one person may. Revoke one you no longer use.")
            % {"n": TOKENS_PER_PERSON},
            "tokens",
        )
    expiry = datetime.timedelta(days=days) if days else None
    return ApiToken.objects.create(user=user, expiry=expiry, name=name[:100])


def token_revoke(*, user, token_key: str) -> int:
    """Revoke the user's own token(s) starting with ``token_key``; how many were revoked (0:
    none of theirs has it, already revoked or never theirs)."""
    deleted, _by_model = ApiToken.objects.filter(user=user, token_key=token_key).delete()
    return deleted
