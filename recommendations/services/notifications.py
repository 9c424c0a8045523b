"""Every e-mail the tracker sends: the review's outcome to the author, a submitted update to the
reviewers of its Member State, and the daily digests (``manage.py send_digests``).

Each mail is rendered from ``templates/emails/<name>.txt`` and ``.html`` (plain text with an
HTML alternative) inside the recipient's language, so its words, dates and links (with their
language prefix, ``/fr/...``) are theirs; links are absolute, from ``TRACKER_SITE_URL``. A mail
never holds what its recipient may not see: an author hears of their own updates, a reviewer of
submitted ones in their desk scope, and the stale cells are public.

Mail is sent once the transaction that caused it has committed, and a failing mail server never
undoes or blocks that work: failures are logged and reported, and the rest still go out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import permissions
from ..models import Cell, ImportBatch, ProgressUpdate, ReviewState, months_ago
from .preferences import language_of

logger = logging.getLogger(__name__)

#: a person's text quoted in a mail is cut to this many characters (the page has it whole)
QUOTED_CHARS = 600
#: the digest lists this many stale cells (the oldest) and this many waiting updates
STALE_SHOWN = 20
QUEUE_SHOWN = 50


# --------------------------------------------------------------------------------------------
# Rendering and sending
# --------------------------------------------------------------------------------------------


def link(name: str, *args, query: str = "") -> str:
    """An absolute address for a named URL, in the active language (call it inside the
    recipient's ``translation.override``)."""
    return f"{settings.TRACKER_SITE_URL}{reverse(name, args=args)}{query}"


def _language(user) -> str:
    """The recipient's language: their account's choice, else the site's default."""
    return language_of(user) or settings.LANGUAGE_CODE


def mail_render(
    name: str, *, to, language: str, build: Callable[[], tuple[str, dict]]
) -> EmailMultiAlternatives:
    """The mail ``name`` for one recipient: ``build`` runs inside their language and returns the
    subject and the templates' context (links reversed there carry the language's prefix)."""
    with translation.override(language):
        subject, context = build()
        context = {
            **context,
            "subject": subject,
            "language": translation.get_language(),
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "site_url": settings.TRACKER_SITE_URL,
        }
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    # A subject is one line, whatever a name in it holds.
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(subject, text, None, [to])
    message.attach_alternative(html, "text/html")
    return message


def mails_send(messages: Iterable[EmailMultiAlternatives]) -> list[EmailMultiAlternatives]:
    """Send the messages over one connection; one that fails is logged and skipped, and the
    rest still go. Returns those that failed."""
    messages = list(messages)
    if not messages:
        return []
    failed = []
    connection = get_connection()
    try:
        for message in messages:
            try:
                connection.send_messages([message])
            except Exception:
                logger.exception("Could not e-mail %s: %s", ", ".join(message.to), message.subject)
                failed.append(message)
                # The server may have dropped the conversation: the next message reopens it.
                try:
                    connection.close()
                except Exception:
                    logger.exception("Could not close the mail connection")
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("Could not close the mail connection")
    return failed


def _quoted(text: str) -> str:
    """A person's text as a mail quotes it: whole up to QUOTED_CHARS, then cut with an ellipsis
    (the page shows it all)."""
    return Truncator(text).chars(QUOTED_CHARS)


def _after_commit(work: Callable[[], None], what: str) -> None:
    """Run ``work`` once the transaction commits (never for a rolled-back one); an error in it is
    logged and never reaches the person whose action has committed."""

    def run() -> None:
        try:
            work()
        except Exception:
            logger.exception("Could not send %s", what)

    transaction.on_commit(run)


# --------------------------------------------------------------------------------------------
# The author: their update was approved or returned
# --------------------------------------------------------------------------------------------


def author_notify(update: ProgressUpdate, outcome: str) -> None:
    """E-mail the author how their update was reviewed ("approved" or "returned"), once the
    review has committed, in the language they chose."""
    author = update.reported_by
    if not author.email:
        return

    def send() -> None:
        language = _language(author)
        message = mail_render(
            "review_outcome",
            to=author.email,
            language=language,
            build=lambda: _review_outcome(update, outcome),
        )
        mails_send([message])

    _after_commit(send, f"the review of update #{update.pk} to its author")


def _review_outcome(update: ProgressUpdate, outcome: str) -> tuple[str, dict]:
    cell = update.cell
    values = {"code": cell.recommendation.code, "state": cell.state.label}
    approved = outcome == "approved"
    if approved:
        subject = _("Your update on %(code)s / %(state)s was approved") % values
    else:
        subject = _("Your update on %(code)s / %(state)s was returned") % values
    return subject, {
        "update": update,
        "approved": approved,
        "comment": update.review_comment,  # whole: the author acts on it (2,000 at most)
        "update_link": link("recommendations:update-detail", update.pk),
        "edit_link": link("recommendations:update-edit", update.pk),
        "mine_link": link("recommendations:my-updates"),
    }


# --------------------------------------------------------------------------------------------
# Reviewers: an update was submitted in their desk scope
# --------------------------------------------------------------------------------------------


def review_mail_mode() -> str:
    """How reviewers hear of submitted updates: "each", "daily" or "off" (checked by the
    settings at start-up)."""
    return settings.TRACKER_REVIEW_MAIL


def reviewers_notify(update: ProgressUpdate) -> None:
    """Tell the reviewers of the update's Member State that it waits for them, once its
    submission has committed (in "each" mode; "daily" leaves it to the digest)."""
    if review_mail_mode() != "each":
        return
    pk = update.pk

    def send() -> None:
        update = (
            ProgressUpdate.objects.select_related(
                "cell__recommendation", "cell__state", "reported_by"
            )
            .filter(pk=pk, review_state=ReviewState.SUBMITTED)
            .first()
        )
        if update is None:  # reviewed or withdrawn meanwhile: nothing waits
            return
        reviewers = permissions.reviewers_to_notify(update).select_related("language_preference")
        mails_send(
            mail_render(
                "update_submitted",
                to=reviewer.email,
                language=_language(reviewer),
                build=lambda: _update_submitted(update),
            )
            for reviewer in reviewers
        )

    _after_commit(send, f"the submission of update #{pk} to its reviewers")


def _update_submitted(update: ProgressUpdate) -> tuple[str, dict]:
    cell = update.cell
    subject = _("Update #%(id)s on %(code)s / %(state)s waits for review") % {
        "id": update.pk,
        "code": cell.recommendation.code,
        "state": cell.state.label,
    }
    return subject, {
        "update": update,
        "narrative": _quoted(update.narrative),
        "review_link": _review_link(update),
    }


def batch_notify(batch: ImportBatch) -> None:
    """Tell the reviewers of an import batch's Member States that its updates wait for them: one
    mail for the batch, not one per update, once the import has committed ("each" mode)."""
    if review_mail_mode() != "each":
        return
    pk = batch.pk

    def send() -> None:
        batch = ImportBatch.objects.select_related("created_by").get(pk=pk)
        waiting = batch.updates.filter(review_state=ReviewState.SUBMITTED).count()
        if not waiting:
            return
        reviewers = permissions.reviewers_to_notify_of_batch(batch).select_related(
            "language_preference"
        )
        mails_send(
            mail_render(
                "batch_submitted",
                to=reviewer.email,
                language=_language(reviewer),
                build=lambda: _batch_submitted(batch, waiting),
            )
            for reviewer in reviewers
        )

    _after_commit(send, f"import batch #{pk} to its reviewers")


def _batch_submitted(batch: ImportBatch, waiting: int) -> tuple[str, dict]:
    subject = ngettext(
        "%(count)s imported update waits for review (batch #%(id)s)",
        "%(count)s imported updates wait for review (batch #%(id)s)",
        waiting,
    ) % {"count": number_format(waiting, force_grouping=True), "id": batch.pk}
    return subject, {
        "batch": batch,
        "waiting": waiting,
        "review_link": link(
            "admin:recommendations_progressupdate_changelist",
            query=f"?import_batch={batch.pk}",
        ),
        "batch_link": link("recommendations:import-detail", batch.pk),
    }


def batch_reviewed(batch: ImportBatch, *, reviewer, decision: str, count: int) -> None:
    """Tell the importer, once for the batch, that a reviewer approved or returned its updates
    (the updates' own mails are not sent for a batch)."""
    author = batch.created_by
    if not author.email:
        return

    def send() -> None:
        mails_send(
            [
                mail_render(
                    "batch_reviewed",
                    to=author.email,
                    language=_language(author),
                    build=lambda: _batch_reviewed(batch, reviewer, decision, count),
                )
            ]
        )

    _after_commit(send, f"the review of import batch #{batch.pk} to its importer")


def _batch_reviewed(batch: ImportBatch, reviewer, decision: str, count: int):
    if decision == "approve":
        subject = ngettext(
            "%(count)s update of your import #%(id)s was approved",
            "%(count)s updates of your import #%(id)s were approved",
            count,
        ) % {"count": number_format(count, force_grouping=True), "id": batch.pk}
    else:
        subject = ngettext(
            "%(count)s update of your import #%(id)s was returned to you",
            "%(count)s updates of your import #%(id)s were returned to you",
            count,
        ) % {"count": number_format(count, force_grouping=True), "id": batch.pk}
    return subject, {
        "batch": batch,
        "reviewer": reviewer,
        "approved": decision == "approve",
        "count": count,
        "batch_link": link("recommendations:import-detail", batch.pk),
        "mine_link": link("recommendations:my-updates"),
    }


def _review_link(update: ProgressUpdate) -> str:
    return link("admin:recommendations_progressupdate_change", update.pk)


# --------------------------------------------------------------------------------------------
# The daily digest
# --------------------------------------------------------------------------------------------


@dataclass
class Digest:
    """What one person's digest holds. Editors: their own returned updates and the cells of
    their desk scope gone stale or never reported; reviewers (daily mode): the submitted updates
    of their desk scope waiting for them."""

    user: object
    states: list = field(default_factory=list)  # the desk scope's ISO3 codes; empty: all
    is_editor: bool = False
    is_reviewer: bool = False
    returned: list = field(default_factory=list)
    stale_count: int = 0
    stale_cells: list = field(default_factory=list)
    never_reported: int = 0
    queue_count: int = 0
    queue: list = field(default_factory=list)

    def __bool__(self) -> bool:
        """Anything to act on? Nobody is mailed to be told there is nothing. Cells never
        reported are counted in a digest that goes out anyway, but do not send one alone: on a
        new tracker that would be the same mail every morning, soon filtered away unread."""
        return bool(self.returned or self.stale_count or self.queue_count)

    def summary(self) -> str:
        """The command's line for this recipient (plain English, for the operator)."""
        parts = []
        if self.is_editor:
            parts.append(
                f"{len(self.returned)} returned, {self.stale_count} stale, "
                f"{self.never_reported} never reported"
            )
        if self.is_reviewer:
            parts.append(f"{self.queue_count} waiting for review")
        return f"{self.user.username} <{self.user.email}>: " + "; ".join(parts)


@dataclass
class DigestReport:
    """What ``digests_send`` did: the digests sent (or, in a dry run, that would be), those
    whose mail failed."""

    sent: list[Digest] = field(default_factory=list)
    failed: list[Digest] = field(default_factory=list)


def digests_collect() -> list[Digest]:
    """Every digest with something in it, one per person (an editor who reviews too gets one
    with both parts). A constant number of queries per recipient, whatever the log's size:
    people with the same desk scope share its cells' figures."""
    User = get_user_model()
    editors = set(permissions.holders(permissions.LOG).values_list("pk", flat=True))
    reviewers = (
        set(permissions.reviewers_mailed().values_list("pk", flat=True))
        if review_mail_mode() == "daily"
        else set()
    )
    people = list(
        User.objects.filter(pk__in=editors | reviewers)
        .select_related("language_preference")
        .order_by("username")
    )
    scopes = permissions.desk_scopes([person.pk for person in people])

    since = months_ago(settings.TRACKER_STALE_MONTHS)
    cells_of_scope: dict[tuple, tuple] = {}
    digests = []
    for person in people:
        scope = scopes.get(person.pk, [])
        state_ids = tuple(state_id for state_id, _ in scope)
        digest = Digest(
            user=person,
            states=[iso3 for _, iso3 in scope],
            is_editor=person.pk in editors,
            is_reviewer=person.pk in reviewers,
        )
        if digest.is_editor:
            digest.returned = list(
                ProgressUpdate.objects.by_author(person)
                .returned()
                .select_related("cell__recommendation", "cell__state", "reviewed_by")
                .order_by("reviewed_at", "id")
            )
            if state_ids not in cells_of_scope:
                cells = Cell.objects.in_states(state_ids)
                stale = cells.stale(since)
                cells_of_scope[state_ids] = (
                    stale.count(),
                    list(
                        stale.select_related("recommendation", "state").order_by(
                            "status_date", "id"
                        )[:STALE_SHOWN]
                    ),
                    cells.never_reported().count(),
                )
            digest.stale_count, digest.stale_cells, digest.never_reported = cells_of_scope[
                state_ids
            ]
        if digest.is_reviewer:
            queue = ProgressUpdate.objects.review_queue(person)
            if state_ids:
                queue = queue.filter(cell__state__in=state_ids)
            digest.queue_count = queue.count()
            digest.queue = list(
                queue.select_related("cell__recommendation", "cell__state", "reported_by")[
                    :QUEUE_SHOWN
                ]
            )
        if digest:
            digests.append(digest)
    return digests


def digests_send(*, dry_run: bool = False) -> DigestReport:
    """Collect the digests and mail them (``dry_run``: collect only). One connection for all;
    an address that fails is reported and does not stop the others."""
    digests = digests_collect()
    if dry_run:
        return DigestReport(sent=digests)
    mails = [(digest, _digest_message(digest)) for digest in digests]
    failed = {id(message) for message in mails_send(message for _, message in mails)}
    return DigestReport(
        sent=[digest for digest, message in mails if id(message) not in failed],
        failed=[digest for digest, message in mails if id(message) in failed],
    )


def _digest_message(digest: Digest) -> EmailMultiAlternatives:
    return mail_render(
        "digest",
        to=digest.user.email,
        language=_language(digest.user),
        build=lambda: _digest(digest),
    )


def _digest(digest: Digest) -> tuple[str, dict]:
    months = settings.TRACKER_STALE_MONTHS
    scope = "".join(f"&state={iso3}" for iso3 in digest.states)
    waiting = len(digest.returned) + digest.queue_count
    if waiting:
        subject = ngettext(
            "Debate Tracker: %(n)s update waits for you",
            "Debate Tracker: %(n)s updates wait for you",
            waiting,
        ) % {"n": waiting}
    else:
        subject = _("Debate Tracker: cells of your Member States to follow up")
    return subject, {
        "digest": digest,
        "months": months,
        "returned": [
            (update, _quoted(update.review_comment), link("recommendations:update-edit", update.pk))
            for update in digest.returned
        ],
        "stale_cells": [
            (
                cell,
                link(
                    "recommendations:update-create",
                    query=f"?recommendation={cell.recommendation.code}&state={cell.state.iso3}",
                ),
            )
            for cell in digest.stale_cells
        ],
        "stale_more": digest.stale_count - len(digest.stale_cells),
        "stale_link": link("recommendations:dashboard", query=f"?stale={months}{scope}"),
        "never_link": link("recommendations:dashboard", query=f"?status=no_information{scope}"),
        "queue": [(update, _review_link(update)) for update in digest.queue],
        "queue_more": digest.queue_count - len(digest.queue),
        # The list opens on the reviewer's queue.
        "queue_link": link("admin:recommendations_progressupdate_changelist"),
    }
