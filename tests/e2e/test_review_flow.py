"""An editor logs an update from a recommendation page; a reviewer approves it in the admin;
the public page then shows the new status."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.reviewing import approved_in_admin
from tests.factories import UserFactory, in_group

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def sign_in(page, username):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in")).click()


def test_log_submit_approve_and_publish(live_server, live_catalogue, new_page):
    in_group(UserFactory(username="editor", is_staff=False), "Editors")
    in_group(UserFactory(username="reviewer", is_staff=True), "Reviewers")

    # The editor opens the recommendation, signs in from the header and comes back to it.
    editor = new_page()
    editor.goto(f"{live_server.url}/recommendations/R03/")
    editor.get_by_role("link", name="Sign in").click()
    sign_in(editor, "editor")
    expect(editor).to_have_url(f"{live_server.url}/recommendations/R03/")

    editor.get_by_role("link", name="Log an update on R03").click()
    expect(editor.get_by_label("Recommendation")).to_have_value("R03")
    editor.get_by_label("Member State").select_option(label="France")
    editor.get_by_role("combobox", name="Status").select_option(label="Implemented")
    editor.get_by_label("Date the status took effect").fill("2021-05-01")
    editor.get_by_label("Source of the assessment").select_option(label="Government self-report")
    editor.get_by_label("Narrative").fill(
        "France's national rapporteur reviews implementation yearly."
    )
    editor.get_by_label("Evidence links").fill("https://example.org/rapporteur-report-2021")
    editor.get_by_role("button", name="Submit for review").click()
    expect(editor.get_by_text("submitted for review.")).to_be_visible()
    update_url = editor.url
    editor.get_by_role("button", name="Account: editor").click()
    editor.get_by_role("button", name=re.compile("Sign out")).click()

    # Before review the public page does not show it.
    public = new_page(width=375, height=800)
    public.goto(update_url)
    expect(public.get_by_role("heading", name="Not found")).to_be_visible()

    # The reviewer approves it in the admin, from the queue the list opens on.
    reviewer = new_page()
    reviewer.goto(f"{live_server.url}/admin/recommendations/progressupdate/")
    sign_in(reviewer, "reviewer")
    approved_in_admin(
        reviewer, live_server, "France", "R03", comment="Checked against the rapporteur's report."
    )

    # Anyone now sees the new status on the recommendation page, on a phone-sized screen.
    public.goto(f"{live_server.url}/recommendations/R03/")
    france = public.get_by_role("row").filter(has_text="France")
    expect(france).to_contain_text("Implemented")
    expect(france).to_contain_text("1 May 2021")
    expect(
        public.get_by_text("France's national rapporteur reviews implementation yearly.")
    ).to_be_visible()
