"""Sign-in: the lockout per username and client address, behind a proxy or not, and the account
pages that exist (no password reset by e-mail: an administrator resets a forgotten password)."""

import datetime
import subprocess
import sys

import pytest
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from tests.factories import UserFactory
from tracker.settings import axes_ip_settings, env_whole_number

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]
PASSWORD = "correct-horse-battery"  # UserFactory's
PROXY = "10.0.0.1"  # the proxy's own address: REMOTE_ADDR for everything it forwards
A = "203.0.113.5"
B = "198.51.100.9"


def login(client, url, username, password):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def sign_in(client, url, password, *, remote_addr, forwarded_for=None):
    """A sign-in as "target" from REMOTE_ADDR, with X-Forwarded-For when given."""
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(url, {"username": "target", "password": password}, **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_five_failed_sign_ins_lock_the_username_from_that_address(client, url):
    UserFactory(username="target", is_staff=True)
    for _ in range(4):
        assert login(client, url, "target", "wrong").status_code == 200
    assert login(client, url, "target", "wrong").status_code == 429  # the fifth failure locks
    locked = login(client, url, "target", "correct-horse-battery")
    assert locked.status_code == 429
    assert "Sign-in temporarily locked" in locked.text
    assert "0:30:00" in locked.text
    # Another address, or another username, is not locked out.
    other = client.post(
        url, {"username": "target", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.8"
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_cool_off_is_configurable(client, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=5)
    UserFactory(username="target")
    for _ in range(5):
        login(client, "/accounts/login/", "target", "wrong")
    assert "0:05:00" in login(client, "/accounts/login/", "target", "x").text


# The client's address --------------------------------------------------------------------------


def test_without_a_proxy_only_the_connection_address_counts():
    assert axes_ip_settings(0)["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)
    assert axes_ip_settings(0)["AXES_IPWARE_PROXY_COUNT"] is None


def test_behind_proxies_x_forwarded_for_comes_first():
    for count in (1, 2):
        computed = axes_ip_settings(count)
        precedence = computed["AXES_IPWARE_META_PRECEDENCE_ORDER"]
        assert precedence == ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
        # ipware counts the proxies listed after the client; the nearest one is REMOTE_ADDR.
        assert computed["AXES_IPWARE_PROXY_COUNT"] == count - 1
        assert computed["IPWARE_STRICT"] is False


def test_the_settings_are_those_of_the_configured_proxy_count():
    expected = axes_ip_settings(env_whole_number("DJANGO_PROXY_COUNT", "0"))
    assert {name: getattr(settings, name) for name in expected} == expected


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "+1", "one", "1 2"])
def test_the_proxy_count_must_be_a_whole_number(monkeypatch, value):
    monkeypatch.setenv("DJANGO_PROXY_COUNT", value)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_PROXY_COUNT must be a whole number"):
        env_whole_number("DJANGO_PROXY_COUNT", "0")


@pytest.mark.parametrize(("value", "expected"), [("", 0), ("0", 0), (" 2 ", 2)])
def test_the_proxy_count_reads_whole_numbers(monkeypatch, value, expected):
    monkeypatch.setenv("DJANGO_PROXY_COUNT", value)
    assert env_whole_number("DJANGO_PROXY_COUNT", "0") == expected


def test_a_bad_proxy_count_stops_the_app_from_starting():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "DJANGO_PROXY_COUNT": "-1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_PROXY_COUNT must be a whole number, 0 or more (got '-1')" in result.stderr


@pytest.mark.parametrize(
    ("proxy_count", "remote_addr", "forwarded_for", "client"),
    [
        # No proxy: X-Forwarded-For is the client's own text and is ignored.
        (0, A, None, A),
        (0, A, B, A),
        # One proxy appends the address it received from: the last entry is the client.
        (1, PROXY, A, A),
        (1, PROXY, f"{B}, {A}", A),
        (1, PROXY, f"not-an-address, {B}, {A}", A),
        (1, "127.0.0.1", "10.1.2.3", "10.1.2.3"),  # a private client, the proxy on the same host
        (1, PROXY, None, PROXY),  # a request the proxy itself makes
        # A CDN, then the proxy: the proxy appends the CDN's address after the client's.
        (2, PROXY, f"{A}, 192.0.2.1", A),
        (2, PROXY, f"{B}, {A}, 192.0.2.1", A),
    ],
)
def test_the_client_address_through_proxies(proxy_count, remote_addr, forwarded_for, client):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    with override_settings(**axes_ip_settings(proxy_count)):
        assert get_client_ip_address(RequestFactory().post("/", **headers)) == client


# The lockout, per client ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_behind_a_proxy_one_clients_failures_do_not_lock_another_out(client, url):
    UserFactory(username="target", is_staff=True)
    with override_settings(**axes_ip_settings(1)):
        for _ in range(5):
            sign_in(client, url, "wrong", remote_addr=PROXY, forwarded_for=A)
        assert sign_in(client, url, PASSWORD, remote_addr=PROXY, forwarded_for=A).status_code == 429
        # Same proxy, same account, another client: signs in.
        assert sign_in(client, url, PASSWORD, remote_addr=PROXY, forwarded_for=B).status_code == 302

    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [A]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_behind_a_proxy_forged_addresses_are_still_counted_as_the_sender(client, url):
    """The attacker at A writes addresses into X-Forwarded-For; the proxy appends A after them."""
    UserFactory(username="target", is_staff=True)
    with override_settings(**axes_ip_settings(1)):
        for n in range(5):
            forged = f"198.51.100.{n + 1}, {B}"
            sign_in(client, url, "wrong", remote_addr=PROXY, forwarded_for=f"{forged}, {A}")
        forged_b = sign_in(client, url, PASSWORD, remote_addr=PROXY, forwarded_for=f"{B}, {A}")
        assert forged_b.status_code == 429
        # The client whose address was forged is not locked out.
        assert sign_in(client, url, PASSWORD, remote_addr=PROXY, forwarded_for=B).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_without_a_proxy_a_changing_x_forwarded_for_does_not_escape_the_lockout(client, url):
    UserFactory(username="target", is_staff=True)
    with override_settings(**axes_ip_settings(0)):
        for n in range(5):
            sign_in(client, url, "wrong", remote_addr=A, forwarded_for=f"198.51.100.{n + 1}")
        assert sign_in(client, url, PASSWORD, remote_addr=A, forwarded_for=B).status_code == 429
        assert sign_in(client, url, PASSWORD, remote_addr=A).status_code == 429
        # A forged X-Forwarded-For does not lock out the address it names either.
        assert sign_in(client, url, PASSWORD, remote_addr=B, forwarded_for=A).status_code == 302


# Account pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/MQ/c5x1ab-0123456789abcdef0123456789abcdef/",
        "/accounts/reset/done/",
    ],
)
def test_there_is_no_password_reset_by_email(client, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "target@example.org"}).status_code == 404


@pytest.mark.django_db
def test_a_signed_in_user_changes_their_password(client):
    user = UserFactory(username="target", is_staff=False)
    assert client.get("/accounts/password_change/").status_code == 302  # sign in first
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-7",
            "new_password2": "a-new-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    assert client.get(response["Location"]).status_code == 200
    assert get_user_model().objects.get(pk=user.pk).check_password("a-new-long-passphrase-7")


@pytest.mark.django_db
def test_the_password_page_is_the_sites_own_and_linked_from_the_header(client, editor):
    """Not the admin's page (whose breadcrumbs lead an editor to a sign-in they cannot pass)."""
    client.force_login(editor)
    assert 'href="/accounts/password_change/"' in client.get("/").text
    page = client.get("/accounts/password_change/").text
    assert "Change your password" in page
    assert "Django administration" not in page
    assert 'href="/admin/"' not in page
