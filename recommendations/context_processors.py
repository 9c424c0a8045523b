"""``may`` in every template: what the signed-in user may do, as ``permissions`` answers it, so a
link the user may not follow is never drawn."""

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import cached_property

from . import permissions
from .models import ProgressUpdate


class EveryState:
    """Contains every Member State id: an editor without a scope logs for any state."""

    def __contains__(self, state_id) -> bool:
        return True


class Abilities:
    """Asked lazily: a page that never looks costs no permission lookup."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def log(self) -> bool:
        return permissions.is_editor(self.user)

    @cached_property
    def log_state_ids(self):
        """The Member States (ids) the user may log for, for ``{% if id in may.log_state_ids %}``
        on pages listing many states: one query, however many rows ask."""
        scope = permissions.log_scope(self.user)
        return EveryState() if scope is None else scope

    @cached_property
    def see_authors(self) -> bool:
        return permissions.may_see_authors(self.user)

    @cached_property
    def use_admin(self) -> bool:
        return permissions.may_use_admin(self.user)

    @cached_property
    def review_desk(self) -> bool:
        """A reviewer who can reach the admin, where the review queue is."""
        return permissions.may_use_admin(self.user) and permissions.is_reviewer(self.user)

    @cached_property
    def waiting(self) -> int:
        """How many updates wait for this reviewer (one COUNT; none for anybody else)."""
        if not self.review_desk:
            return 0
        return ProgressUpdate.objects.review_queue(self.user).count()


def may(request) -> dict:
    # Error pages answered before authentication (a NUL byte in the URL) have no user yet.
    return {"may": Abilities(getattr(request, "user", None) or AnonymousUser())}
