"""Signing in through the site's own form, as a person does (the factories' password)."""

import re

PASSWORD = "correct-horse-battery"


def signed_in(new_page, live_server, username, **page_options):
    page = new_page(**page_options)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Log in")).click()
    return page
