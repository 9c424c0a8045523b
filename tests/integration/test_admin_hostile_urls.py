"""Every admin URL answers 4xx to hostile ids and query strings, never 500."""

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from tests.factories import ProgressUpdateFactory

HOSTILE_IDS = ["abc", "99999999999999999999", "-1", "0", "1.5", "1;DROP TABLE x"]

# Lookups on the date hierarchy's field; on a model without one they are unknown lookups.
HOSTILE_DATES = [
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "0"},
    {"year": "-1"},
    {"year": "abc"},
    {"year": "99999999999999999999"},
    {"year": "2020", "month": "13"},
    {"year": "2020", "month": "0"},
    {"year": "2020", "month": "2", "day": "30"},
    {"year": "2020", "month": "1", "day": "32"},
    {"month": "1"},
]

HOSTILE_QUERIES = [
    {"nonexistent": "1"},
    {"id__regex": "("},
    {"pk__in": "abc"},
    {"id__gt": "99999999999999999999"},
    {"password__startswith": "pbkdf2"},
    {"o": "999"},
    {"o": "abc"},
    {"o": "1.-2.x"},
    {"p": "-1"},
    {"p": "abc"},
    {"p": "99999999999999999999"},
    {"q": "x" * 5000},
    {"q": "' OR 1=1 --"},
    {"e": "1"},
    {"all": ""},
    {"_to_field": "password"},
    {"_popup": "1", "_to_field": "id"},
]

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
HISTORY_ADMINS = [item for item in MODEL_ADMINS if isinstance(item[1], SimpleHistoryAdmin)]


def labels(items):
    return [model._meta.label for model, _ in items]


def admin_url(model, suffix=""):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


def changelist_urls(model, model_admin):
    field = model_admin.date_hierarchy or "effective_date"
    for params in HOSTILE_DATES:
        query = {f"{field}__{part}": value for part, value in params.items()}
        yield admin_url(model) + "?" + urlencode(query)
    for params in HOSTILE_QUERIES:
        yield admin_url(model) + "?" + urlencode(params)


def object_urls(model, model_admin):
    existing = model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1
    for hostile in HOSTILE_IDS:
        yield admin_url(model, f"{hostile}/")
        yield admin_url(model, f"{hostile}/change/")
        yield admin_url(model, f"{hostile}/delete/")
        yield admin_url(model, f"{hostile}/history/")
        yield admin_url(model, f"{existing}/history/{hostile}/")
        yield admin_url(model, f"{hostile}/history/1/")
        if isinstance(model_admin, UserAdmin):
            yield admin_url(model, f"{hostile}/password/")


@pytest.fixture
def some_history():
    """A logged update, so every history table has a row to look for."""
    ProgressUpdateFactory()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superuser", "reviewer"])
@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=labels(MODEL_ADMINS))
def test_hostile_admin_urls_answer_4xx(client, request, some_history, role, model, model_admin):
    client.force_login(request.getfixturevalue(role))
    client.raise_request_exception = False  # a crash is a 500 to report, as in production
    urls = [*changelist_urls(model, model_admin), *object_urls(model, model_admin)]
    errors = [(status, url) for url in urls if (status := client.get(url).status_code) >= 500]
    assert errors == []


@pytest.mark.django_db
def test_a_date_hierarchy_out_of_range_is_an_invalid_lookup(client, superuser, some_history):
    """django-axes' records (sign-in attempts) are the lists with a date hierarchy."""
    client.force_login(superuser)
    url = "/admin/axes/accessattempt/"
    for query in [
        "attempt_time__year=9999",
        "attempt_time__year=9999&attempt_time__month=12",
    ]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")
        assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_the_update_lists_date_ranges_refuse_what_is_not_a_date(client, reviewer, some_history):
    client.force_login(reviewer)
    client.raise_request_exception = False
    url = admin_url(ProgressUpdateFactory._meta.model)
    for query in [
        "effective_date__gte=abc",
        "effective_date__gte=9999-99-99",
        "effective_date__gte=0001-01-01&effective_date__lt=99999-01-01",
        "effective_date__year=9999",
    ]:
        assert client.get(f"{url}?queue=all&{query}").status_code < 500, query


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), HISTORY_ADMINS, ids=labels(HISTORY_ADMINS))
def test_history_pages_answer_404_to_ids_that_are_not_ids(client, superuser, model, model_admin):
    client.force_login(superuser)
    existing = model._default_manager.order_by("pk").values_list("pk", flat=True).first() or 1
    for suffix in ["abc/history/", f"{existing}/history/abc/", "abc/history/1/"]:
        assert client.get(admin_url(model, suffix)).status_code == 404, suffix


@pytest.mark.django_db
def test_regular_expressions_from_the_query_string_are_refused(client, reviewer):
    client.force_login(reviewer)
    client.raise_request_exception = False
    for query in ["id__regex=(", "cell__state__name__iregex=Fr.*"]:
        response = client.get(f"/admin/recommendations/progressupdate/?{query}")
        assert response.status_code == 400, query


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=labels(MODEL_ADMINS))
def test_ticked_ids_that_are_not_ids_are_a_bad_request(client, superuser, model, model_admin):
    client.force_login(superuser)
    client.raise_request_exception = False
    actions = [name for name in model_admin.get_actions(RequestStub(superuser)) if name]
    for action in actions:
        for bad in ["abc", "99999999999999999999999", "1.5"]:
            if model._meta.pk.get_internal_type() not in ("AutoField", "BigAutoField"):
                continue
            response = client.post(
                admin_url(model), {"action": action, "_selected_action": ["1", bad]}
            )
            assert response.status_code == 400, (action, bad, response.status_code)


class RequestStub:
    """Just enough of a request for ``get_actions`` (it asks the user's permissions)."""

    GET: dict = {}
    POST: dict = {}

    def __init__(self, user):
        self.user = user
