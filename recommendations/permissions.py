"""The one answer to "may this user do this to this object".

Views, templates (through the ``may`` context processor), the admin and the services ask these
functions; later the import and the API will too. Each answers with an :class:`Answer`: true or
false, and the reason a person can act on when it is false. The services raise their own error
from that reason; nothing here imports a service, so the two never import each other.

Permission names are written here once. Roles (the Editors and Reviewers groups) are made of
them in ``services/roles.py``.

The rules:

- **log**: editors (the add-update permission), for the Member States of their scope (no scope:
  any state; superusers: any state);
- **edit / submit**: the update's author, while it is a draft or returned, within their scope;
- **review** (approve or return): reviewers, updates submitted for review, never their own
  (four-eyes);
- **withdraw**: superusers, approved updates only;
- **see an update**: approved ones are public; a draft is its author's alone, for everybody,
  superusers included, until it is submitted; reviewers and superusers also see submitted,
  returned and withdrawn ones; authors see all of their own. The same holds for every version in
  an update's history.
- **see who reported or reviewed**: signed-in staff only (editors, reviewers, admin users); the
  public sees the source of the assessment, not usernames.
- **be told**: a person's *desk scope* is their list of Member States (``EditorScope``; none:
  every state). Editors log only for those states; reviewers are e-mailed only about updates
  for them, and only when they hold the review permission through a group or their own
  permissions (superuser status alone does not make an administrator a reviewer to mail).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # the models import this module, so it reads them only inside its functions
    from .models import ImportBatch, MemberState, ProgressUpdate

LOG = "recommendations.add_progressupdate"
REVIEW = "recommendations.review_progressupdate"
VIEW_UPDATES = "recommendations.view_progressupdate"
VIEW_CELLS = "recommendations.view_cell"
VIEW_RECOMMENDATIONS = "recommendations.view_recommendation"
VIEW_STATES = "recommendations.view_memberstate"
VIEW_IMPORTS = "recommendations.view_importbatch"


def codename(permission: str) -> str:
    """``recommendations.add_progressupdate`` -> ``add_progressupdate`` (for groups)."""
    return permission.partition(".")[2]


@dataclass(frozen=True)
class Answer:
    """Yes, or no and why."""

    allowed: bool
    reason: str = ""
    #: the rule that refused, a stable code programs read (the API's error body): "editor",
    #: "scope", "author", "open", "reviewer", "submitted", "four_eyes", ...
    rule: str = ""

    def __bool__(self) -> bool:
        return self.allowed


YES = Answer(True)


def no(reason: str, rule: str) -> Answer:
    return Answer(False, reason, rule)


# --------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------


def is_editor(user) -> bool:
    return user.is_authenticated and user.has_perm(LOG)


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.has_perm(REVIEW)


def may_use_admin(user) -> bool:
    """The admin site lets in active staff (reviewers, administrators)."""
    return user.is_active and user.is_staff


def may_see_authors(user) -> bool:
    """Usernames of authors and reviewers are for signed-in staff, not the public."""
    return user.is_authenticated and (
        user.is_staff or user.is_superuser or is_editor(user) or is_reviewer(user)
    )


# --------------------------------------------------------------------------------------------
# Logging and editing
# --------------------------------------------------------------------------------------------


def desk_scopes(user_ids) -> dict[int, list[tuple[int, str]]]:
    """The Member States listed in each person's desk scope (``EditorScope``), as
    ``{user id: [(state id, ISO3), ...]}`` in one query. A person with none listed (absent from
    the result) works on every state: editors log for any, reviewers hear of all."""
    from .models import EditorScope

    scopes: dict[int, list[tuple[int, str]]] = {}
    for user_id, state_id, iso3 in (
        EditorScope.states.through.objects.filter(editorscope__user__in=user_ids)
        .order_by("memberstate__iso3")
        .values_list("editorscope__user_id", "memberstate_id", "memberstate__iso3")
    ):
        scopes.setdefault(user_id, []).append((state_id, iso3))
    return scopes


def log_scope(user) -> frozenset[int] | None:
    """The ids of the Member States the user may log for, in one query; ``None``: every state
    (superusers, and editors whose desk scope lists none)."""
    if hasattr(user, "_log_scope_held"):
        return user._log_scope_held
    if not is_editor(user):
        return frozenset()
    if user.is_superuser:
        return None
    listed = desk_scopes([user.pk]).get(user.pk)
    return frozenset(state_id for state_id, _ in listed) if listed else None


@contextmanager
def log_scope_held(user) -> Iterator[None]:
    """Within the block, ``log_scope(user)`` is read once: an import asks ``may_log`` for each of
    thousands of rows, in one transaction."""
    user._log_scope_held = log_scope(user)
    try:
        yield
    finally:
        del user._log_scope_held


def loggable_states(user, states):
    """Of ``states`` (a MemberState QuerySet), those the user may log follow-up for."""
    scope = log_scope(user)
    return states if scope is None else states.filter(pk__in=scope)


def may_log(user, state: MemberState | None = None) -> Answer:
    """May the user log updates at all, and (with ``state``) for that Member State?"""
    if not is_editor(user):
        return no(_("Only editors may log progress updates."), "editor")
    if state is not None and (scope := log_scope(user)) is not None and state.pk not in scope:
        return no(
            _(
                "You may not log updates for %(state)s: it is outside the Member States "
                "assigned to you."
            )
            % {"state": state.label},
            "scope",
        )
    return YES


def may_edit(user, update: ProgressUpdate) -> Answer:
    """May the user change (or submit) this update? Its author, while it is open and while they
    are an editor."""
    if not user.is_authenticated or update.reported_by_id != user.pk:
        return no(_("Only the author of an update may edit it."), "author")
    if not is_editor(user):
        return no(_("Only editors may edit progress updates."), "editor")
    if not update.is_editable:
        return no(
            _(
                "This update is %(review_state)s and can no longer be edited. Log a new update "
                "to correct it."
            )
            % {"review_state": update.get_review_state_display().lower()},
            "open",
        )
    return YES


# --------------------------------------------------------------------------------------------
# Review
# --------------------------------------------------------------------------------------------


def may_review(user, update: ProgressUpdate | None = None) -> Answer:
    """May the user approve or return (this) update? Reviewers, submitted ones, not their own."""
    if not is_reviewer(user):
        return no(_("Only reviewers may approve or return updates."), "reviewer")
    if update is None:
        return YES
    from .models import ReviewState

    if update.review_state != ReviewState.SUBMITTED:
        return no(
            _("Update #%(id)s is %(review_state)s, not awaiting review.")
            % {"id": update.pk, "review_state": update.get_review_state_display().lower()},
            "submitted",
        )
    if update.reported_by_id == user.pk:
        return no(
            _(
                "You wrote update #%(id)s: another reviewer must approve or return it "
                "(four-eyes rule)."
            )
            % {"id": update.pk},
            "four_eyes",
        )
    return YES


def may_withdraw(user, update: ProgressUpdate | None = None) -> Answer:
    """May the user withdraw (this) approved update? Administrators only."""
    if not (user.is_authenticated and user.is_superuser):
        return no(_("Only an administrator may withdraw an approved update."), "administrator")
    if update is None:
        return YES
    from .models import ReviewState

    if update.review_state != ReviewState.APPROVED:
        return no(
            _("Update #%(id)s is not approved; only approved updates are withdrawn.")
            % {"id": update.pk},
            "approved",
        )
    return YES


# --------------------------------------------------------------------------------------------
# Seeing updates and their history
# --------------------------------------------------------------------------------------------


def visible_updates(user) -> Q:
    """The condition on ProgressUpdate rows (or their history rows, which carry the same
    fields) that the user may see: the one statement of the rule, used by
    ``ProgressUpdate.objects.visible_to`` and the admin's history pages."""
    from .models import ReviewState

    approved = Q(review_state=ReviewState.APPROVED)
    if not user.is_authenticated:
        return approved
    visible = approved | Q(reported_by_id=user.pk)
    if user.is_superuser or is_reviewer(user):
        visible |= ~Q(review_state=ReviewState.DRAFT)
    return visible


# --------------------------------------------------------------------------------------------
# Importing spreadsheets
# --------------------------------------------------------------------------------------------


def may_import(user, batch: ImportBatch | None = None) -> Answer:
    """May the user import updates (editors: every row is then asked ``may_log``), and (with
    ``batch``) preview or confirm that batch? Only the person who uploaded it."""
    if not is_editor(user):
        return no(_("Only editors may import progress updates."), "editor")
    if batch is not None and batch.created_by_id != user.pk:
        return no(_("Only the person who uploaded a file may import it."), "uploader")
    return YES


def may_review_batch(user, batch: ImportBatch) -> Answer:
    """May the user approve or return a whole import batch? A reviewer who did not import it
    (four-eyes: its updates are the importer's)."""
    if not (answer := may_review(user)):
        return answer
    if batch.created_by_id == user.pk:
        return no(
            _(
                "You imported batch #%(id)s: another reviewer must approve or return its "
                "updates (four-eyes rule)."
            )
            % {"id": batch.pk},
            "four_eyes",
        )
    return YES


def may_cancel_batch(user, batch: ImportBatch) -> Answer:
    """May the user stop waiting for the worker on this batch? Its uploader, an administrator,
    and for a batch review the reviewers who may review it."""
    if batch.created_by_id == user.pk or user.is_superuser:
        return YES
    if batch.review_running and may_review_batch(user, batch):
        return YES
    return no(
        _("Only the person who uploaded a file, or an administrator, may cancel its import."),
        "uploader",
    )


def compared_by_imports(user) -> Q:
    """The updates an import compares its rows with (already present, or a conflict): every one
    but other people's drafts, which are their author's alone."""
    from .models import ReviewState

    return ~Q(review_state=ReviewState.DRAFT) | Q(reported_by_id=user.pk)


def visible_batches(user) -> Q:
    """The import batches the user may open: their own; reviewers and administrators see every
    batch (they review what came in)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser or is_reviewer(user):
        return Q()
    return Q(created_by_id=user.pk)


# --------------------------------------------------------------------------------------------
# Who is told: e-mails about the desk
# --------------------------------------------------------------------------------------------

#: the backend that answers "who holds this permission" (django-axes' backend grants nothing)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def holders(permission: str):
    """Active users with an e-mail address who hold ``permission`` through a group or their own
    permissions, as a User QuerySet (one row each). Superuser status does not count: an
    administrator outside the Reviewers group is not mailed as a reviewer."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    holding = users.with_perm(
        permission, is_active=True, include_superusers=False, backend=MODEL_BACKEND
    )
    # A subquery: with_perm joins groups and permissions, which could repeat a user.
    return users.filter(pk__in=holding.values("pk")).exclude(email="")


def reviewers_mailed():
    """Reviewers who hear of submitted updates: holders of the review permission with staff
    status (the admin, where the links lead, lets in staff only)."""
    return holders(REVIEW).filter(is_staff=True)


def desk_covers(state_ids) -> Q:
    """The condition on users whose desk scope covers the Member State (an id), or one of the
    Member States (ids, or a subquery of them): no states listed, or one of these among them."""
    from .models import EditorScope

    if isinstance(state_ids, int):
        state_ids = [state_ids]
    scoped = EditorScope.objects.filter(states__isnull=False).values("user")
    covering = EditorScope.objects.filter(states__in=state_ids).values("user")
    return ~Q(pk__in=scoped) | Q(pk__in=covering)


def reviewers_to_notify(update: ProgressUpdate):
    """The reviewers told that ``update`` was submitted: holders of the review permission who
    can reach the admin (where they review) and whose desk scope covers its Member State, never
    its author. One query."""
    return (
        reviewers_mailed()
        .exclude(pk=update.reported_by_id)
        .filter(desk_covers(update.cell.state_id))
        .order_by("pk")
    )


def reviewers_to_notify_of_batch(batch: ImportBatch):
    """The reviewers told that an import batch waits for them: as for one update, for the
    Member States of the batch's submitted updates, never the importer. One query."""
    from .models import ProgressUpdate, ReviewState

    states = ProgressUpdate.objects.filter(
        import_batch=batch, review_state=ReviewState.SUBMITTED
    ).values("cell__state_id")
    return (
        reviewers_mailed()
        .exclude(pk=batch.created_by_id)
        .filter(desk_covers(states))
        .order_by("pk")
    )
