"""The six UN languages: where each lives, how a reader gets and keeps theirs, and what a page
says about its language (``lang``, ``dir``, ``hreflang``)."""

import re

import pytest
from django.conf import settings

from recommendations.models import LanguagePreference
from tracker.languages import SESSION_KEY

pytestmark = pytest.mark.django_db

OTHER_LANGUAGES = ["fr", "es", "ar", "ru", "zh-hans"]


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.text).group(0)


def alternates(response) -> dict[str, str]:
    return dict(
        re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', response.text)
    )


def switch(client, language: str, next_url: str):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


# Where each language lives


def test_english_keeps_the_unprefixed_urls_so_no_shared_link_breaks(client):
    response = client.get("/recommendations/?theme=prevention")
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="en" dir="ltr">'


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_each_other_language_lives_under_its_prefix(client, language):
    response = client.get(f"/{language}/recommendations/")
    assert response.status_code == 200
    direction = "rtl" if language == "ar" else "ltr"
    assert html_tag(response) == f'<html lang="{language}" dir="{direction}">'


def test_an_english_prefix_or_an_unknown_language_is_not_a_page(client):
    assert client.get("/en/recommendations/").status_code == 404
    assert client.get("/de/recommendations/").status_code == 404


def test_arabic_pages_load_bootstraps_right_to_left_stylesheet(client):
    arabic = client.get("/ar/")
    assert "vendor/bootstrap/css/bootstrap.rtl.min.css" in arabic.text
    assert "bootstrap.min.css" not in arabic.text.replace("bootstrap.rtl.min.css", "")
    french = client.get("/fr/")
    assert "bootstrap.rtl.min.css" not in french.text


def test_every_page_names_its_copies_in_the_six_languages_and_an_x_default(client):
    links = alternates(client.get("/fr/states/?region=african"))
    assert links == {
        "ar": "http://testserver/ar/states/?region=african",
        "zh-hans": "http://testserver/zh-hans/states/?region=african",
        "en": "http://testserver/states/?region=african",
        "fr": "http://testserver/fr/states/?region=african",
        "ru": "http://testserver/ru/states/?region=african",
        "es": "http://testserver/es/states/?region=african",
        "x-default": "http://testserver/states/?region=african",
    }


# The switcher


def test_the_switcher_is_a_form_posting_to_set_language_with_the_current_path(client):
    page = client.get("/recommendations/?theme=prevention&actor=unodc")
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', page.text, re.S)
    assert form, "no language switcher in the header"
    assert 'name="next" value="/recommendations/?theme=prevention&amp;actor=unodc"' in form.group(0)
    offered = re.findall(r'name="language" value="([^"]+)"', form.group(0))
    assert sorted(offered) == sorted(code for code, _ in settings.LANGUAGES)


def test_switching_keeps_the_path_and_its_filters(client):
    response = switch(client, "fr", "/recommendations/?theme=prevention&page=2")
    assert response.status_code == 302
    assert response["Location"] == "/fr/recommendations/?theme=prevention&page=2"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_switching_from_a_prefixed_page_to_another_language_and_back_to_english(client):
    to_arabic = switch(client, "ar", "/fr/states/FRA/?status=planned")
    assert to_arabic["Location"] == "/ar/states/FRA/?status=planned"
    to_english = switch(client, "en", "/ar/states/FRA/?status=planned")
    assert to_english["Location"] == "/states/FRA/?status=planned"
    # English is now the reader's choice: the unprefixed page stays English.
    page = client.get("/states/FRA/", HTTP_ACCEPT_LANGUAGE="ar")
    assert page.status_code == 200
    assert html_tag(page) == '<html lang="en" dir="ltr">'


def test_the_choice_persists_for_the_session(client):
    switch(client, "es", "/")
    response = client.get("/dashboard/?theme=protection")
    assert response.status_code == 302
    assert response["Location"] == "/es/dashboard/?theme=protection"


def test_a_language_the_site_does_not_offer_changes_nothing(client):
    response = switch(client, "de", "/recommendations/")
    assert response.status_code == 302
    assert response["Location"] == "/recommendations/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    for hostile in ["", "x" * 5000, "../admin", "fr\x00", "<script>"]:
        response = switch(client, hostile, "/states/")
        assert response.status_code in (302, 400), hostile
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_switcher_never_sends_a_reader_to_another_site(client):
    response = switch(client, "fr", "https://evil.example/phish")
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_a_get_on_set_language_changes_nothing(client):
    response = client.get("/i18n/setlang/", {"language": "fr", "next": "/states/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# A first visit


def test_accept_language_picks_the_language_of_a_first_visit(client):
    response = client.get("/states/?region=african", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/es/states/?region=african"
    assert "Accept-Language" in response["Vary"]


def test_chinese_readers_reach_simplified_chinese(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response["Location"] == "/zh-hans/"


def test_a_browser_asking_for_english_or_an_unoffered_language_gets_english(client):
    for header in ["en-GB,en;q=0.9", "de-DE,de;q=0.9", "", "*", "x" * 300]:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 200, header
        assert html_tag(response) == '<html lang="en" dir="ltr">'


def test_posts_and_unknown_addresses_are_never_redirected(client):
    assert client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr").status_code == 404
    assert client.post("/accounts/login/", {}, HTTP_ACCEPT_LANGUAGE="fr").status_code == 200
    assert client.get("/healthz", HTTP_ACCEPT_LANGUAGE="fr").status_code == 200


# Signed-in users


def test_a_signed_in_users_choice_is_kept_on_their_account(client, editor):
    client.force_login(editor)
    switch(client, "ru", "/")
    assert LanguagePreference.objects.get(user=editor).language == "ru"
    switch(client, "zh-hans", "/")
    assert LanguagePreference.objects.get(user=editor).language == "zh-hans"


def test_the_choice_follows_the_user_to_another_device(client, editor, django_user_model):
    editor.set_password("pw-for-test-1")
    editor.save()
    LanguagePreference.objects.create(user=editor, language="ar")
    response = client.post(
        "/accounts/login/",
        {"username": "editor", "password": "pw-for-test-1", "next": "/updates/new/"},
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == "ar"
    page = client.get(response["Location"])
    assert page.status_code == 302
    assert page["Location"] == "/ar/updates/new/"


def test_an_anonymous_choice_stores_nothing_on_any_account(client):
    switch(client, "fr", "/")
    assert not LanguagePreference.objects.exists()


def test_the_admin_speaks_the_language_too(client, reviewer):
    client.force_login(reviewer)
    response = client.get("/fr/admin/")
    assert response.status_code == 200
    assert html_tag(response).startswith('<html lang="fr"')
    assert "Déconnexion" in response.text  # Django's own French for "Log out"


def test_a_path_that_looks_like_another_site_is_never_redirected_there(rf):
    """gunicorn passes "//evil.example/states/" through as a path; a redirect must not read it
    as a host (an open redirect for every reader whose browser prefers French)."""
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse

    from tracker.languages import PreferredLanguageMiddleware

    environ = rf.get("/states/").environ
    environ.update(PATH_INFO="//evil.example/states/", HTTP_ACCEPT_LANGUAGE="fr")
    request = WSGIRequest(environ)
    response = PreferredLanguageMiddleware(lambda request: HttpResponse("page"))(request)
    location = response.get("Location", "")
    assert not location.startswith("//")
    assert "evil.example" not in location.split("/")[:3]


def test_the_language_menu_works_on_a_page_that_does_not_exist(client):
    response = switch(client, "es", "/fr/no-such-page/?q=1")
    assert response["Location"] == "/es/no-such-page/?q=1"
    response = switch(client, "en", "/ar/no-such-page/")
    assert response["Location"] == "/no-such-page/"
    links = alternates(client.get("/fr/no-such-page/"))
    assert links["es"] == "http://testserver/es/no-such-page/"
    assert links["en"] == "http://testserver/no-such-page/"


def test_signing_in_on_a_french_page_lands_on_the_french_home(client, editor):
    editor.set_password("pw-for-test-1")
    editor.save()
    response = client.post(
        "/fr/accounts/login/", {"username": "editor", "password": "pw-for-test-1"}
    )
    assert response["Location"] == "/fr/"
    response = client.post("/fr/accounts/logout/")
    assert response["Location"] == "/fr/"


def test_the_choice_is_kept_for_a_year(client):
    cookie = switch(client, "ru", "/").cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"


def test_a_choice_made_on_this_device_wins_over_the_account_at_sign_in(client, editor):
    """A user whose account says Russian picks French on the sign-in page of a new device: the
    newer choice wins, and the account keeps it."""
    editor.set_password("pw-for-test-1")
    editor.save()
    LanguagePreference.objects.create(user=editor, language="ru")
    switch(client, "fr", "/accounts/login/")
    client.post("/fr/accounts/login/", {"username": "editor", "password": "pw-for-test-1"})
    assert client.session[SESSION_KEY] == "fr"
    assert LanguagePreference.objects.get(user=editor).language == "fr"


def test_without_a_usable_next_the_reader_goes_back_to_their_page_in_the_new_language(client):
    for next_url in ["https://evil.example/", "", "javascript:alert(1)"]:
        response = client.post(
            "/i18n/setlang/",
            {"language": "es", "next": next_url},
            HTTP_REFERER="http://testserver/fr/recommendations/?theme=protection",
        )
        assert response["Location"] == "/es/recommendations/?theme=protection", next_url


def test_a_csv_export_is_never_redirected(client):
    response = client.get("/states/?format=csv", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
