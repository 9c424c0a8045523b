"""A person makes an API token on their Tokens page and hands it to a program, which logs and
submits an update through the API; the page never shows the token again, and once revoked the
API refuses it. The Tokens page passes axe in English and Arabic, wide and on a phone; the API's
docs (Swagger UI) and the browsable API run under the site's Content-Security-Policy, from our
own origin."""

import datetime
import json
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.template.defaultfilters import date as date_format
from django.utils import translation
from playwright.sync_api import expect

from recommendations.models import ApiToken, Status
from recommendations.services import cell_refresh_status
from tests.e2e.accessibility import serious_accessibility_violations
from tests.e2e.signing import signed_in
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN_NAME = "Ministry dashboard"

# What the ministry's program logs: France's national plan against trafficking, R03.
DRAFT = {
    "recommendation": "R03",
    "state": "FRA",
    "status": "planned",
    "effective_date": "2024-03-01",
    "narrative": "The national action plan 2024-2027 was adopted by the Council of Ministers.",
    "evidence": ["https://example.org/plan-2024"],
    "source": "government",
}


@pytest.fixture
def editor(live_catalogue):
    return in_group(UserFactory(username="editor", is_staff=False), "Editors")


def call_api(live_server, method, path, token, body=None):
    """A program's request, as curl would make it: the token in the header, JSON in and out,
    no browser cookies. Returns (status, JSON body)."""
    request = urllib.request.Request(
        f"{live_server.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def make_token(page, name, days="30"):
    """Fill in and send the Tokens page's form (by field, so it reads the same in any language)."""
    page.locator("#id_name").fill(name)
    page.locator("#id_expiry").select_option(days)
    page.locator("#make-token ~ form button[type=submit]").click()


def test_an_editor_makes_a_token_a_program_uses_it_and_the_editor_revokes_it(
    live_server, editor, new_page
):
    page = signed_in(new_page, live_server, "editor")
    page.get_by_role("button", name="Account: editor").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You hold no tokens.")).to_be_visible()

    # A token named after the program, for 30 days; its text is shown once, to copy.
    page.get_by_label("Name").fill(TOKEN_NAME)
    page.get_by_label("Expires").select_option(label="In 30 days")
    page.get_by_role("button", name="Make token").click()
    new = page.get_by_role("status").filter(has_text=f"Your new token “{TOKEN_NAME}”")
    expect(new).to_be_visible()
    expect(new).to_contain_text("Copy it now: it is shown this once.")
    text = new.get_by_label("Token").input_value()
    assert re.fullmatch(r"dt_[0-9a-f]{40,}", text), text
    expect(new.locator("code")).to_have_text(f"Authorization: Token {text}")
    row = page.get_by_role("row").filter(has_text=TOKEN_NAME)
    token = ApiToken.objects.get(user=editor, name=TOKEN_NAME)
    assert abs(token.expiry - token.created - datetime.timedelta(days=30)).total_seconds() < 60
    with translation.override("en"):
        expect(row).to_contain_text(date_format(token.expiry, "DATE_FORMAT"))

    # The program logs a draft with it and submits it: as the editor, under the same rules.
    status, draft = call_api(live_server, "POST", "/api/v1/updates/", text, DRAFT)
    assert status == 201, draft
    assert (draft["recommendation"], draft["state"], draft["status"]) == ("R03", "FRA", "planned")
    assert draft["review_state"] == "draft"
    status, submitted = call_api(
        live_server, "POST", f"/api/v1/updates/{draft['id']}/submit/", text
    )
    assert status == 200, submitted
    assert submitted["review_state"] == "submitted"
    assert submitted["submitted_at"] is not None

    # Back on the page (opened again, not the form's answer resent), the token is listed by
    # its first characters; its text is gone.
    page.goto(f"{live_server.url}/tokens/")
    expect(page.get_by_role("status").filter(has_text="Your new token")).to_have_count(0)
    begins = row.locator("code")
    expect(begins).to_have_text(re.compile(r"^dt_\w+…$"))
    shown = begins.inner_text().removesuffix("…")
    assert text.startswith(shown)
    assert len(shown) < len(text) // 2
    assert text not in page.content()

    # Revoked: the page says so, and the API no longer knows the token.
    row.get_by_role("button", name=f"Revoke “{TOKEN_NAME}”").click()
    expect(page.get_by_text(f"Token {shown}… revoked")).to_be_visible()
    expect(page.get_by_text("You hold no tokens.")).to_be_visible()
    status, refused = call_api(live_server, "GET", f"/api/v1/updates/{draft['id']}/", text)
    assert status == 401, refused
    status, refused = call_api(live_server, "POST", "/api/v1/updates/", text, DRAFT)
    assert status == 401, refused


@pytest.mark.parametrize("width", [1280, 375], ids=["wide", "phone"])
@pytest.mark.parametrize("language", ["", "/ar"], ids=["en", "ar"])
def test_the_tokens_page_has_no_serious_accessibility_violations(
    live_server, editor, new_page, language, width
):
    page = signed_in(new_page, live_server, "editor", width=width, height=800, bypass_csp=True)
    page.goto(f"{live_server.url}{language}/tokens/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language.strip("/") or "en")
    expect(html).to_have_attribute("dir", "rtl" if language == "/ar" else "ltr")

    def check(state):
        assert serious_accessibility_violations(page) == [], state
        overflow = page.evaluate("document.body.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{state}: the page scrolls sideways by {overflow}px"

    check("no tokens")

    make_token(page, "   ")  # only spaces: the name is required
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    check("the form with an error")

    make_token(page, TOKEN_NAME)
    expect(page.locator("#new-token-text")).to_have_value(re.compile(r"^dt_"))
    expect(page.locator("tbody tr")).to_have_count(1)
    check("a token just made, its text shown once")

    page.goto(f"{live_server.url}{language}/tokens/")
    expect(page.locator("tbody tr")).to_have_count(1)
    check("the list of tokens")


def watch(page):
    """What the page tells the console (errors, CSP violations among them) and every address it
    loads, as it runs."""
    seen = {"errors": [], "requests": []}
    page.on(
        "console",
        lambda message: seen["errors"].append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: seen["errors"].append(f"uncaught: {error}"))
    page.on("request", lambda request: seen["requests"].append(request.url))
    return seen


@pytest.mark.parametrize("query", ["", "?lang=ar"], ids=["en", "schema-in-arabic"])
def test_the_api_docs_run_under_the_content_security_policy_from_our_own_files(
    live_server, live_catalogue, new_page, query
):
    page = new_page()
    seen = watch(page)
    response = page.goto(f"{live_server.url}/api/docs/{query}")
    policy = dict(
        directive.split(maxsplit=1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == policy["style-src"] == "'self'"  # nothing loosened here
    expect(page.get_by_role("heading", name=re.compile("Debate Tracker API"))).to_be_visible()
    operation = page.locator("#operations-updates-updates_list")  # GET /api/v1/updates/
    expect(operation.get_by_text("/api/v1/updates/", exact=True)).to_be_visible()

    # Opening an operation and its example answer renders more of Swagger UI's markup.
    operation.locator(".opblock-summary-control").click()
    expect(operation.get_by_text("cursor", exact=True)).to_be_visible()
    expect(operation.locator(".responses-wrapper")).to_contain_text("200")
    page.wait_for_load_state("networkidle")

    assert seen["errors"] == []
    origin = urlsplit(live_server.url).netloc
    elsewhere = [url for url in seen["requests"] if urlsplit(url).netloc != origin]
    assert elsewhere == []
    assert any(f"/api/schema/{query}" in url for url in seen["requests"])
    assert any("/static/drf_spectacular_sidecar/" in url for url in seen["requests"])


def test_the_browsable_api_runs_under_the_content_security_policy(
    live_server, live_catalogue, new_page
):
    update = ProgressUpdateFactory(cell=cell_at("R03", "FRA"), status=Status.PLANNED, approved=True)
    cell_refresh_status(cell=update.cell)
    page = new_page()
    seen = watch(page)
    for path, heading, button in [
        ("/api/v1/recommendations/", "Recommendation List", "Filters"),
        ("/api/v1/updates/", "Update List", "Filters"),
        (f"/api/v1/updates/{update.pk}/", "Update Instance", "Extra Actions"),
    ]:
        page.goto(f"{live_server.url}{path}")  # a browser asks for text/html
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(page.locator("#content")).to_contain_text("HTTP 200 OK")
        # DRF's request buttons, two of them drawn by our template without style attributes.
        expect(page.get_by_role("button", name=button)).to_have_count(1)
        expect(page.get_by_role("link", name="GET", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="OPTIONS")).to_be_visible()
        page.wait_for_load_state("networkidle")
    assert seen["errors"] == []
    origin = urlsplit(live_server.url).netloc
    assert [url for url in seen["requests"] if urlsplit(url).netloc != origin] == []


# The axe rules about the page Swagger UI is served in, which our template writes
# (templates/drf_spectacular/swagger_ui.html). The rest is Swagger UI's own markup, not ours to
# change; with drf-spectacular-sidecar 2026.10.1 axe finds there color-contrast (the version
# stamp, the schema link, the Authorize button, the method badges) and nested-interactive (each
# operation's summary is a button holding a link), both serious.
DOCS_SHELL_RULES = ("html-has-lang", "html-lang-valid", "document-title", "meta-viewport")


def test_the_api_docs_page_shell_has_no_serious_accessibility_violations(
    live_server, live_catalogue, new_page
):
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator("#operations-updates-updates_list")).to_be_visible()
    violations = serious_accessibility_violations(page)
    assert [v for v in violations if v.startswith(DOCS_SHELL_RULES)] == []
