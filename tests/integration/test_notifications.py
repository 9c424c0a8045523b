"""E-mail about the desk: reviewers hear of submitted updates in their Member States, and
``manage.py send_digests`` tells each editor what was returned to them and which cells of theirs
have gone stale (and, in daily mode, each reviewer what waits for them). Mails speak the
recipient's language, carry plain text and HTML, and never hold what the recipient may not see."""

import datetime
import io
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from recommendations import permissions
from recommendations.models import Cell, EditorScope, MemberState, ProgressUpdate, ReviewState
from recommendations.services import (
    cells_refresh_all,
    digests_send,
    update_approve,
    update_edit,
    update_log,
    update_return,
    update_submit,
)
from recommendations.services.preferences import language_remember
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db


def scoped(user, *iso3):
    """Give the user a desk scope of these Member States."""
    EditorScope.objects.create(user=user).states.set(MemberState.objects.filter(iso3__in=iso3))
    return user


def log(
    author, *, iso3="FRA", code="R03", submit=True, narrative="A review body was set up.", day=None
):
    cell = cell_at(code, iso3)
    return update_log(
        user=author,
        recommendation=cell.recommendation,
        state=cell.state,
        status="in_progress",
        effective_date=day or datetime.date(2020, 5, 1),
        narrative=narrative,
        source="government",
        submit=submit,
    )


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def mailed() -> dict:
    """The outbox by recipient."""
    return {message.to[0]: message for message in mail.outbox}


@pytest.fixture
def submitted(django_capture_on_commit_callbacks):
    """Log and submit an update, running what waits for the commit (the mails)."""

    def submit(author, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return log(author, **kwargs)

    return submit


@pytest.fixture
def desk(editor, reviewer):
    """Reviewers around an update submitted for France by ``editor``."""
    return {
        "unscoped": reviewer,
        "france": scoped(in_group(UserFactory(username="rev-fra"), "Reviewers"), "FRA", "DEU"),
        "germany": scoped(in_group(UserFactory(username="rev-deu"), "Reviewers"), "DEU"),
        "inactive": in_group(UserFactory(username="rev-gone", is_active=False), "Reviewers"),
        "no_address": in_group(UserFactory(username="rev-noaddr", email=""), "Reviewers"),
        "administrator": UserFactory(username="root", is_superuser=True),
    }


# Submission ---------------------------------------------------------------------------------


def test_a_submitted_update_is_mailed_to_the_reviewers_of_its_state_only(editor, desk, submitted):
    in_group(editor, "Reviewers")  # the author reviews too, but not their own update
    update = submitted(editor)

    assert sorted(mailed()) == ["rev-fra@example.org", "reviewer@example.org"]
    message = mailed()["reviewer@example.org"]
    assert f"#{update.pk}" in message.subject
    assert "R03" in message.subject
    assert f"/admin/recommendations/progressupdate/{update.pk}/change/" in message.body
    assert "A review body was set up." in message.body
    assert "A review body was set up." in html_of(message)


def test_the_reviewers_to_notify_are_read_in_one_query(editor, desk, django_assert_num_queries):
    update = ProgressUpdate.objects.select_related("cell").get(pk=log(editor).pk)
    with django_assert_num_queries(1):
        names = sorted(u.username for u in permissions.reviewers_to_notify(update))
    assert names == ["rev-fra", "reviewer"]


def test_every_way_of_submitting_mails_the_reviewers_and_a_draft_does_not(
    editor, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = log(editor, submit=False)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        update_submit(update=draft, user=editor)
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        update_return(update=draft, user=reviewer, comment="Which law?")
    with django_capture_on_commit_callbacks(execute=True):
        update_edit(update=draft, user=editor, narrative="Law 12 set it up.", submit=True)
    to_reviewer = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(to_reviewer) == 2
    assert "Law 12 set it up." in to_reviewer[-1].body


def test_each_reviewer_is_mailed_in_their_language(editor, desk, submitted):
    language_remember(desk["unscoped"], "fr")
    language_remember(desk["france"], "ar")
    update = submitted(editor)

    french = mailed()["reviewer@example.org"]
    assert f"/fr/admin/recommendations/progressupdate/{update.pk}/change/" in french.body
    assert '<html lang="fr" dir="ltr">' in html_of(french)
    arabic = html_of(mailed()["rev-fra@example.org"])
    assert '<html lang="ar" dir="rtl">' in arabic
    assert f"http://127.0.0.1:8000/ar/admin/recommendations/progressupdate/{update.pk}/" in arabic


def test_links_use_the_sites_address(editor, reviewer, submitted, settings):
    settings.TRACKER_SITE_URL = "https://tracker.example.org"
    update = submitted(editor)
    assert (
        f"https://tracker.example.org/admin/recommendations/progressupdate/{update.pk}/change/"
        in mail.outbox[0].body
    )


def test_a_narrative_is_escaped_in_html_and_cut_short(editor, reviewer, submitted):
    submitted(editor, narrative="<script>alert('x')</script> Done." + " Very long." * 900)
    message = mail.outbox[0]
    html = html_of(message)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>alert('x')</script> Done." in message.body  # plain text is not HTML
    assert len(message.body) < 2_000
    assert len(html) < 5_000
    assert "…" in message.body


def test_a_mail_outage_never_undoes_a_submission(editor, reviewer, submitted, settings):
    settings.EMAIL_BACKEND = "tests.integration.test_notifications.BrokenBackend"
    update = submitted(editor)
    update.refresh_from_db()
    assert update.review_state == ReviewState.SUBMITTED


def test_daily_mode_mails_nothing_at_submission(editor, reviewer, submitted, settings):
    settings.TRACKER_REVIEW_MAIL = "daily"
    submitted(editor)
    assert mail.outbox == []


def test_the_author_is_told_of_the_review_in_text_and_html(
    editor, reviewer, django_capture_on_commit_callbacks
):
    update = log(editor)
    with django_capture_on_commit_callbacks(execute=True):
        update_return(update=update, user=reviewer, comment="Give <b>the</b> law's number.")
    message = mail.outbox[0]
    assert message.to == [editor.email]
    assert f"/updates/{update.pk}/edit/" in message.body
    assert "Give <b>the</b> law's number." in message.body
    assert "Give &lt;b&gt;the&lt;/b&gt; law&#x27;s number." in html_of(message)


# Digests ------------------------------------------------------------------------------------


def approved(author, reviewer, *, iso3, code="R03", day):
    """An update approved through the services: the cell's status date becomes ``day``."""
    update = log(author, iso3=iso3, code=code, day=day)
    update_approve(update=update, user=reviewer)
    return update


def test_an_editors_digest_lists_their_returned_updates_and_stale_cells(editor, reviewer, settings):
    language_remember(editor, "fr")
    returned = log(editor, iso3="GHA")
    update_return(update=returned, user=reviewer, comment="Cite the decree.")
    approved(editor, reviewer, iso3="FRA", day=datetime.date(2001, 3, 1))  # stale
    approved(editor, reviewer, iso3="DEU", day=timezone.localdate())  # fresh
    mail.outbox.clear()

    report = digests_send()

    assert [d.user for d in report.sent] == [editor]
    (message,) = mail.outbox
    assert message.to == [editor.email]
    assert "Cite the decree." in message.body
    assert "Cite the decree." in html_of(message)
    assert f"/fr/updates/{returned.pk}/edit/" in message.body
    html = html_of(message)
    assert '<html lang="fr"' in html
    assert "/fr/updates/new/?recommendation=R03&amp;state=FRA" in html
    assert "state=DEU" not in html  # updated this year: not stale
    assert "/fr/dashboard/?stale=24" in message.body
    never = Cell.objects.filter(status_date=None).count()
    assert "/fr/dashboard/?status=no_information" in message.body
    assert report.sent[0].never_reported == never
    assert report.sent[0].stale_count == 1


def test_a_scoped_editor_hears_only_of_their_states(
    editor, scoped_editor, reviewer, django_capture_on_commit_callbacks
):
    approved(editor, reviewer, iso3="FRA", day=datetime.date(2001, 3, 1))
    approved(editor, reviewer, iso3="GHA", day=datetime.date(2001, 3, 1))
    mail.outbox.clear()

    digests_send()

    message = mailed()[scoped_editor.email]
    assert "state=FRA" in message.body
    assert "state=GHA" not in message.body
    assert "Ghana" not in message.body
    assert "/dashboard/?stale=24&state=FRA" in message.body
    assert "/dashboard/?status=no_information&state=FRA" in message.body
    fra_cells = Cell.objects.filter(state__iso3="FRA").count()
    assert f"{fra_cells - 1} cells of your Member States have never" in message.body
    unscoped = mailed()[editor.email]
    assert "state=GHA" in unscoped.body
    assert "state=FRA" in unscoped.body


def test_a_digest_never_shows_another_persons_drafts_or_returned_updates(
    editor, scoped_editor, reviewer, settings
):
    settings.TRACKER_REVIEW_MAIL = "daily"
    in_group(reviewer, "Editors")
    their_draft = log(editor, submit=False, narrative="SECRET DRAFT of the editor")
    their_returned = log(editor, iso3="GHA", narrative="Editor's returned text")
    update_return(update=their_returned, user=reviewer, comment="EDITOR'S COMMENT")
    own_draft = log(reviewer, submit=False, narrative="Reviewer's own draft")
    own_submitted = log(reviewer, narrative="Reviewer's own submission")
    waiting = log(scoped_editor, narrative="Waiting for review")
    mail.outbox.clear()

    digests_send()

    for message in mail.outbox:
        text = message.body + html_of(message)
        assert "SECRET DRAFT" not in text
        assert f"#{their_draft.pk} " not in text
    to_reviewer = mailed()[reviewer.email].body
    assert "EDITOR'S COMMENT" not in to_reviewer
    assert f"#{their_returned.pk} " not in to_reviewer
    assert f"#{own_draft.pk} " not in to_reviewer
    assert f"#{own_submitted.pk} " not in to_reviewer  # four-eyes: not theirs to review
    assert f"#{waiting.pk} " in to_reviewer
    assert "EDITOR'S COMMENT" in mailed()[editor.email].body
    assert scoped_editor.email not in mailed()  # nothing of their own to act on


def test_an_editor_who_reviews_gets_one_mail_with_both_parts(
    editor, reviewer, second_reviewer, settings
):
    settings.TRACKER_REVIEW_MAIL = "daily"
    in_group(reviewer, "Editors")
    mine = log(reviewer, iso3="GHA")
    update_return(update=mine, user=second_reviewer, comment="Mine to fix.")
    waiting = log(editor)
    mail.outbox.clear()

    digests_send()

    to_reviewer = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(to_reviewer) == 1
    assert "Mine to fix." in to_reviewer[0].body
    assert f"/admin/recommendations/progressupdate/{waiting.pk}/change/" in to_reviewer[0].body


def test_the_reviewers_digest_lists_the_queue_of_their_states(editor, reviewer, settings):
    settings.TRACKER_REVIEW_MAIL = "daily"
    scoped(reviewer, "GHA")
    ghana = log(editor, iso3="GHA")
    france = log(editor, iso3="FRA")
    mail.outbox.clear()

    report = digests_send()

    digest = next(d for d in report.sent if d.user == reviewer)
    assert digest.queue == [ghana]
    assert digest.queue_count == 1
    body = mailed()[reviewer.email].body
    assert f"#{ghana.pk} " in body
    assert f"#{france.pk} " not in body


def test_off_mode_sends_no_review_mail_at_all(editor, reviewer, submitted, settings):
    settings.TRACKER_REVIEW_MAIL = "off"
    submitted(editor)
    assert mail.outbox == []
    digests_send()
    assert reviewer.email not in mailed()


def test_nobody_is_mailed_to_hear_there_is_nothing(editor, reviewer, settings):
    """A scoped editor whose every cell was reported lately, nothing returned: no mail. (The
    cells are set as the status service leaves them after recent approvals.)"""
    settings.TRACKER_REVIEW_MAIL = "daily"
    scoped(editor, "FRA")
    Cell.objects.filter(state__iso3="FRA").update(
        status_date=timezone.localdate(), current_status="in_progress"
    )
    mail.outbox.clear()

    report = digests_send()

    assert report.sent == []
    assert mail.outbox == []


def test_cells_never_reported_alone_send_no_mail(editor, reviewer):
    """A new tracker: every cell unreported, nothing returned, nothing stale, nothing waiting.
    The count waits for a digest with something to act on."""
    assert Cell.objects.filter(status_date=None).exists()
    mail.outbox.clear()

    report = digests_send()

    assert report.sent == []
    assert mail.outbox == []


def returned_to(author, reviewer, iso3="FRA"):
    """Something for an author to act on: their update, returned."""
    update = log(author, iso3=iso3)
    update_return(update=update, user=reviewer, comment="Cite the decree.")
    return update


def test_one_failing_address_does_not_stop_the_others(editor, scoped_editor, reviewer, settings):
    returned_to(editor, reviewer)
    returned_to(scoped_editor, reviewer)
    editor.email = "bounce@example.org"
    editor.save()
    settings.EMAIL_BACKEND = "tests.integration.test_notifications.BouncingBackend"
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 digest"):
        call_command("send_digests", stdout=out, stderr=err)

    assert [m.to for m in mail.outbox] == [[scoped_editor.email]]
    assert "bounce@example.org" in err.getvalue()
    assert "focal-point-fra" in out.getvalue()


def test_a_dry_run_lists_the_recipients_and_sends_nothing(editor, scoped_editor, reviewer):
    returned_to(editor, reviewer)
    returned_to(scoped_editor, reviewer)
    mail.outbox.clear()
    out = io.StringIO()
    call_command("send_digests", "--dry-run", stdout=out)
    assert mail.outbox == []
    assert "editor <editor@example.org>" in out.getvalue()
    assert "Would send 2 digest(s)." in out.getvalue()


def test_the_digests_queries_do_not_grow_with_the_log(
    editor, scoped_editor, reviewer, settings, django_assert_max_num_queries
):
    """Per recipient a constant number of queries, however many updates there are."""
    settings.TRACKER_REVIEW_MAIL = "daily"
    cells = list(Cell.objects.filter(recommendation__code__in=["R01", "R02", "R03"]))

    def grow(n):
        for index in range(n):
            cell = cells[index % len(cells)]
            ProgressUpdateFactory(cell=cell, reported_by=editor, approved=True)
            ProgressUpdateFactory(
                cell=cell,
                reported_by=editor,
                review_state=ReviewState.RETURNED,
                reviewed_by=reviewer,
                review_comment="Fix it.",
            )
            ProgressUpdateFactory(
                cell=cell,
                reported_by=scoped_editor,
                review_state=ReviewState.SUBMITTED,
                submitted_at=timezone.now(),
            )
            ProgressUpdateFactory(
                cell=cell,
                reported_by=scoped_editor,
                review_state=ReviewState.RETURNED,
                reviewed_by=reviewer,
                review_comment="Fix it.",
            )
        cells_refresh_all()

    recipients = 3
    bound = 4 + 6 * recipients  # who, their scopes; per person: returned, cells, queue
    grow(5)
    with django_assert_max_num_queries(bound):
        small = digests_send()
    grow(60)
    mail.outbox.clear()
    with django_assert_max_num_queries(bound):
        large = digests_send()
    assert len(small.sent) == len(large.sent) == recipients
    assert large.sent[0].stale_count > small.sent[0].stale_count


# Settings -----------------------------------------------------------------------------------


def test_the_dashboard_uses_the_staleness_setting(client, editor, reviewer, settings):
    approved(editor, reviewer, iso3="FRA", day=timezone.localdate() - datetime.timedelta(days=200))
    settings.TRACKER_STALE_MONTHS = 24
    assert not client.get("/dashboard/").context["stale_cells"]
    settings.TRACKER_STALE_MONTHS = 3
    page = client.get("/dashboard/")
    assert [c.state.iso3 for c in page.context["stale_cells"]] == ["FRA"]
    assert page.context["stale_months"] == 3


@pytest.mark.parametrize(
    ("variable", "value", "error"),
    [
        ("DJANGO_REVIEW_MAIL", "weekly", "DJANGO_REVIEW_MAIL must be each, daily or off"),
        ("DJANGO_STALE_MONTHS", "0", "DJANGO_STALE_MONTHS must be a whole number, 1 or more"),
        ("DJANGO_STALE_MONTHS", "two", "DJANGO_STALE_MONTHS must be a whole number"),
    ],
)
def test_a_wrong_mail_setting_stops_the_start(variable, value, error):
    from tests.integration.test_setup import run_check

    result = run_check(**{variable: value})
    assert result.returncode != 0
    assert error in result.stderr


# Test mail backends -------------------------------------------------------------------------


class BrokenBackend(EmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class BouncingBackend(EmailBackend):
    """A mail server that refuses one address and delivers the rest."""

    def send_messages(self, messages):
        for message in messages:
            if "bounce@example.org" in message.to:
                raise smtplib.SMTPRecipientsRefused({"bounce@example.org": (550, b"No such user")})
        return super().send_messages(messages)
