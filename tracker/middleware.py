"""Request guards that apply to every view, the admin's included."""

from django.core.exceptions import BadRequest, TooManyFieldsSent
from django.http import JsonResponse
from django.utils.translation import gettext
from django.views.defaults import bad_request


class RejectNulBytesMiddleware:
    """Answer 400 when the path or the query string carries a NUL byte.

    PostgreSQL refuses NUL in any text parameter, so a filter value such as
    ``?status__exact=%00`` would otherwise surface as a database error (a 500) in views that
    pass query parameters to the ORM unvalidated, like the admin's changelist. Form posts are
    left to the forms, which reject NUL with a field error and keep what the person typed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            nul = "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            )
        except TooManyFieldsSent:
            if not request.path.startswith("/api/"):
                raise  # Django's 400 page
            detail = gettext("The request carries too many parameters.")
            return self.api_error(detail)
        if nul:
            if request.path.startswith("/api/"):
                detail = gettext("The address carries a NUL byte. Remove it and try again.")
                return self.api_error(detail)
            return bad_request(request, BadRequest("NUL byte in the address"))
        return self.get_response(request)

    @staticmethod
    def api_error(detail: str) -> JsonResponse:
        """The API answers in its own JSON error shape, never an HTML page."""
        from recommendations.api.errors import body

        return JsonResponse(body(400, "malformed", detail), status=400)
