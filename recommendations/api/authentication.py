"""How programs sign in: knox's token authentication, refusing a malformed token with a 401.

knox decodes the presented token as UTF-8 before looking it up, so a header such as
``Authorization: Token \\xe9`` (a Latin-1 byte, as WSGI passes headers) raised
``UnicodeDecodeError``: a 500 instead of the API's JSON 401. A token is the ``dt_`` prefix and
hexadecimal digits, so anything not ASCII is refused before knox reads it.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        if not token.isascii():
            raise AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class TokenScheme(KnoxTokenScheme):
    """The schema's security scheme for it: knox's own (drf-spectacular matches exact classes)."""

    target_class = "recommendations.api.authentication.TokenAuthentication"
