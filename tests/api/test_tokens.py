"""API tokens: a signed-in person makes them on the Tokens page (named, with an expiry), sees
each one's text once, and revokes their own. The database keeps a hash, never the text; a
revoked, expired or deactivated person's token signs nobody in."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from recommendations.models import ApiToken, ProgressUpdate
from recommendations.services import TOKENS_PER_PERSON, token_create
from tests.factories import ProgressUpdateFactory

pytestmark = pytest.mark.django_db

TOKENS = "/tokens/"
#: knox's text: our prefix, then 64 hexadecimal digits
TOKEN_TEXT = re.compile(r"dt_[0-9a-f]{64}")


def revoke_url(token) -> str:
    return f"{TOKENS}{token.token_key}/revoke/"


def made_on_the_page(client, name="Ministry dashboard", expiry="30"):
    """POST the Tokens page's form; the response, and the text it shows."""
    response = client.post(TOKENS, {"name": name, "expiry": expiry})
    assert response.status_code == 200
    texts = set(TOKEN_TEXT.findall(response.content.decode()))
    return response, texts


def api_get(client, url, text):
    return client.get(url, headers={"Authorization": f"Token {text}"})


@pytest.fixture
def draft(editor):
    """A draft: its author alone may read it, so reading it proves who the API took us for."""
    return ProgressUpdateFactory(reported_by=editor)


def draft_url(draft) -> str:
    return f"/api/v1/updates/{draft.pk}/"


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", TOKENS), ("post", TOKENS), ("post", f"{TOKENS}dt_0123456789a/revoke/")],
)
def test_the_tokens_page_asks_to_sign_in(client, method, path):
    form = {"name": "x", "expiry": "30"} if method == "post" else None
    response = getattr(client, method)(path, form)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert not ApiToken.objects.exists()


def test_a_new_token_is_shown_once_and_afterwards_only_its_first_characters(client, editor):
    client.force_login(editor)

    response, texts = made_on_the_page(client, name="  Ministry   dashboard ", expiry="30")

    (text,) = texts
    token = ApiToken.objects.get(user=editor)
    assert token.name == "Ministry dashboard"
    assert text.startswith(token.token_key)
    assert len(token.token_key) < len(text)
    expected_expiry = timezone.now() + datetime.timedelta(days=30)
    assert abs(token.expiry - expected_expiry) < datetime.timedelta(minutes=1)

    later = client.get(TOKENS).content.decode()
    assert text not in later
    assert TOKEN_TEXT.search(later) is None
    assert token.token_key in later
    assert "Ministry dashboard" in later


def test_a_token_may_last_until_revoked(client, editor):
    client.force_login(editor)

    _response, texts = made_on_the_page(client, name="CI sync", expiry="")

    assert len(texts) == 1
    assert ApiToken.objects.get(user=editor).expiry is None


def test_the_database_keeps_no_token_text(client, editor):
    client.force_login(editor)
    _response, (text,) = made_on_the_page(client)

    row = ApiToken.objects.filter(user=editor).values().get()
    assert row["digest"] != text
    assert len(row["digest"]) == 128  # a SHA-512 hash
    assert not any(text in str(value) for value in row.values())
    session = client.session
    assert not any(text in str(value) for value in session.values())


def test_the_answer_showing_a_token_is_not_cached(client, editor):
    client.force_login(editor)

    response, texts = made_on_the_page(client)

    assert texts
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control


def test_a_blank_name_is_refused(client, editor):
    client.force_login(editor)

    for name in ("", "   ", "\t\n"):
        response, texts = made_on_the_page(client, name=name)
        assert texts == set()
        assert "name" in response.context["form"].errors

    assert not ApiToken.objects.filter(user=editor).exists()


def test_an_expiry_not_offered_is_refused(client, editor):
    client.force_login(editor)

    response, texts = made_on_the_page(client, expiry="100000")

    assert texts == set()
    assert "expiry" in response.context["form"].errors
    assert not ApiToken.objects.filter(user=editor).exists()


def test_the_twenty_first_token_is_refused_with_a_reason(client, editor):
    for n in range(TOKENS_PER_PERSON):
        token_create(user=editor, name=f"program {n}", days=30)
    client.force_login(editor)

    response, texts = made_on_the_page(client, name="one too many")

    assert texts == set()
    assert f"You hold {TOKENS_PER_PERSON} tokens, the most one person may" in (
        response.content.decode()
    )
    assert ApiToken.objects.filter(user=editor).count() == TOKENS_PER_PERSON


def test_an_expired_token_does_not_count_towards_the_limit(client, editor):
    for n in range(TOKENS_PER_PERSON):
        token_create(user=editor, name=f"program {n}", days=30)
    ApiToken.objects.filter(pk=ApiToken.objects.filter(user=editor).first().pk).update(
        expiry=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(editor)

    _response, texts = made_on_the_page(client, name="replacement")

    assert len(texts) == 1


# --------------------------------------------------------------------------------------------
# Signing in to the API with it
# --------------------------------------------------------------------------------------------


def test_the_token_signs_its_owner_in_to_the_api(client, editor, draft):
    _token, text = token_create(user=editor, name="dashboard", days=30)

    assert client.get(draft_url(draft)).status_code == 404  # a draft is its author's alone
    response = api_get(client, draft_url(draft), text)

    assert response.status_code == 200, response.content
    assert response.json()["id"] == draft.pk


def test_a_revoked_token_is_refused(client, editor, draft):
    token, text = token_create(user=editor, name="dashboard", days=30)
    assert api_get(client, draft_url(draft), text).status_code == 200
    client.force_login(editor)

    response = client.post(revoke_url(token), follow=True)

    assert response.redirect_chain == [(TOKENS, 302)]
    assert "revoked" in response.content.decode()
    assert not ApiToken.objects.filter(user=editor).exists()
    client.logout()
    refused = api_get(client, draft_url(draft), text)
    assert refused.status_code == 401
    assert refused.json()["rule"] == "authentication"
    assert refused["WWW-Authenticate"] == "Token"


def test_an_expired_token_is_refused(client, editor, draft):
    token, text = token_create(user=editor, name="dashboard", days=30)
    ApiToken.objects.filter(pk=token.pk).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = api_get(client, draft_url(draft), text)

    assert response.status_code == 401
    assert response.json()["rule"] == "authentication"


def test_an_expired_token_is_refused_for_writes_too(client, editor):
    token, text = token_create(user=editor, name="dashboard", days=30)
    ApiToken.objects.filter(pk=token.pk).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )
    before = ProgressUpdate.objects.count()

    response = client.post(
        "/api/v1/updates/",
        data={
            "recommendation": "R03",
            "state": "FRA",
            "status": "in_progress",
            "effective_date": "2020-05-01",
            "narrative": "Logged with an expired token.",
            "source": "government",
        },
        content_type="application/json",
        headers={"Authorization": f"Token {text}"},
    )

    assert response.status_code == 401
    assert ProgressUpdate.objects.count() == before


def test_a_deactivated_persons_token_is_refused(client, editor, draft):
    _token, text = token_create(user=editor, name="dashboard", days=30)
    get_user_model().objects.filter(pk=editor.pk).update(is_active=False)

    response = api_get(client, draft_url(draft), text)

    assert response.status_code == 401
    assert response.json()["rule"] == "authentication"


def test_a_token_with_a_changed_character_is_refused(client, editor, draft):
    _token, text = token_create(user=editor, name="dashboard", days=30)
    forged = text[:-1] + ("0" if text[-1] != "0" else "1")

    response = api_get(client, draft_url(draft), forged)

    assert response.status_code == 401


def test_nobody_revokes_another_persons_token(client, editor, reviewer, draft):
    token, text = token_create(user=editor, name="dashboard", days=30)
    client.force_login(reviewer)

    response = client.post(revoke_url(token), follow=True)

    assert "nothing was revoked" in response.content.decode()
    assert ApiToken.objects.filter(pk=token.pk).exists()
    client.logout()
    assert api_get(client, draft_url(draft), text).status_code == 200


def test_revoking_needs_a_post(client, editor):
    token, _text = token_create(user=editor, name="dashboard", days=30)
    client.force_login(editor)

    response = client.get(revoke_url(token))

    assert response.status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()
