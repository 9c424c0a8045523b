"""Hostile input, generated: every filter parameter, form field and URL argument answers with a
page, a form error, a 400 or a 404, never a 500 (the test client re-raises any server error).

Examples are derandomized so CI is repeatable; the strategies still cover arbitrary unicode,
NUL bytes, huge strings, SQL and HTML fragments, bad dates and negative pages.
"""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommendations.models import ProgressUpdate

pytestmark = pytest.mark.django_db

FRAGMENTS = [
    "\x00",
    "a\x00b",
    "' OR '1'='1",
    "1; DROP TABLE recommendations_recommendation; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "../../etc/passwd",
    "%00",
    "-1",
    "0",
    "99999999999999999999999",
    "2021-02-30",
    "0000-00-00",
    "1e309",
    "NaN",
    "R03",
    "FRA",
    "protection",
    "x" * 20_000,
    "😀" * 100,
    "\u202e\u0000\ufeff",
]
hostile = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40))
examples = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OK = {200, 302, 400, 404}

PAGE_PARAMS = {
    "/recommendations/": ["q", "theme", "actor", "document", "page", "per_page", "format"],
    "/states/": ["q", "region", "membership", "page", "per_page"],
    "/recommendations/R03/": ["region", "status", "page", "per_page"],
    "/updates/": [
        "q",
        "theme",
        "actor",
        "recommendation",
        "state",
        "region",
        "status",
        "source",
        "since",
        "until",
        "review",
        "sort",
        "page",
        "per_page",
    ],
    "/dashboard/": ["recommendation", "state", "region", "status", "theme", "actor", "stale"],
    "/admin/recommendations/progressupdate/": [
        "q",
        "review_state__exact",
        "status__exact",
        "cell__state__regional_group__exact",
        "effective_date__year",
        "o",
        "p",
    ],
}


@pytest.mark.parametrize("path", PAGE_PARAMS)
@examples
@given(data=st.data())
def test_filter_parameters(client, reviewer, path, data):
    client.force_login(reviewer)
    params = {
        name: data.draw(st.lists(hostile, min_size=1, max_size=2), label=name)
        for name in data.draw(st.sets(st.sampled_from(PAGE_PARAMS[path]), min_size=1))
    }
    response = client.get(path, params)
    assert response.status_code in OK
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "template",
    ["/recommendations/{}/", "/states/{}/", "/updates/{}/", "/updates/{}/edit/"],
)
@examples
@given(argument=hostile)
def test_url_arguments(client, editor, template, argument):
    client.force_login(editor)
    response = client.get(template.format(quote(argument, safe="")))
    assert response.status_code in OK


FIELDS = ["recommendation", "state", "status", "effective_date", "narrative", "evidence", "source"]
VALID = {
    "recommendation": "R03",
    "state": "FRA",
    "status": "planned",
    "effective_date": "2020-01-01",
    "narrative": "Planned.",
    "evidence": "",
    "source": "government",
}


@examples
@given(data=st.data())
def test_update_form_fields(client, editor, data):
    client.force_login(editor)
    form = dict(VALID)
    for name in data.draw(st.sets(st.sampled_from(FIELDS), min_size=1)):
        form[name] = data.draw(hostile, label=name)
    form["action"] = data.draw(st.sampled_from(["draft", "submit", "\x00", ""]))
    before = ProgressUpdate.objects.count()
    response = client.post("/updates/new/", form)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert ProgressUpdate.objects.count() == before, "an invalid form saved something"


@examples
@given(username=hostile, password=hostile)
def test_login_fields(client, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code in {200, 429}
