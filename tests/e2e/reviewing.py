"""A reviewer approving a submitted update in the admin, as a person does: the update's row in
the queue the list opens on, the bulk action, a comment."""

import re

from playwright.sync_api import expect


def approved_in_admin(reviewer, live_server, *row_texts, comment):
    reviewer.goto(f"{live_server.url}/admin/recommendations/progressupdate/")
    row = reviewer.get_by_role("row")
    for text in row_texts:
        row = row.filter(has_text=text)
    row.get_by_role("checkbox").check()
    reviewer.locator("select[name=action]").select_option(label="Approve selected updates")
    reviewer.get_by_role("button", name="Go").click()
    reviewer.get_by_label("Comment").fill(comment)
    reviewer.get_by_role("button", name="Approve updates").click()
    expect(reviewer.get_by_text(re.compile(r"Approved 1 update"))).to_be_visible()
