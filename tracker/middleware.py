"""What applies to every request, the admin's included: the garbage collector held until the
response is made, and the request guards."""

import gc
import threading

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


class CollectBetweenRequestsMiddleware:
    """Python's cyclic garbage collector waits until the response is made. Left to itself it
    runs every 700 allocations, and each run walks every container still alive in the
    generations it collects: on a page that holds thousands of rows at once (the as-of
    dashboard reads 7,800 cells, a month's ends and a month's log) that was 45 collections of
    the youngest generation a request, four of the middle one and a full one every other
    request, 4.9 ms of the page's time on average (bench/NOTES.md, issue 18). Held off, the
    request's cycles (about 4,000 objects on that page) wait for the first collection after
    it, when what the request read is no longer alive to walk: 1.7 ms a request.

    The switch is the process's, so concurrent requests (threaded workers) are counted: the
    collector comes back when the last one ends, as it was before the first. A worker whose
    threads are never all idle would then never collect, so a request that ends while others
    still hold the collector runs the collection Python would have run by then, once
    ``HELD_ALLOCATIONS`` objects have been allocated since the last one. A streamed response
    (the CSV exports) is written after this returns, with the collector on."""

    #: objects allocated (less those freed) while held, past which a request ending beside
    #: others collects: a few of the heaviest pages' worth
    HELD_ALLOCATIONS = 200_000

    _lock = threading.Lock()
    _running = 0
    _was_enabled = True

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cls = type(self)
        with cls._lock:
            if cls._running == 0:
                cls._was_enabled = gc.isenabled()
                gc.disable()
            cls._running += 1
        try:
            return self.get_response(request)
        finally:
            with cls._lock:
                cls._running -= 1
                overdue = (
                    cls._running > 0
                    and cls._was_enabled
                    and gc.get_count()[0] > self.HELD_ALLOCATIONS
                )
                if cls._running == 0 and cls._was_enabled:
                    gc.enable()
            if overdue:
                self.collect_overdue()

    @staticmethod
    def collect_overdue() -> None:
        """The collection the collector would have made: the youngest generation, and an
        older one when its own count is due (``gc.get_threshold``)."""
        _, middle, oldest = gc.get_threshold()
        _, collected_young, collected_middle = gc.get_count()
        generation = 2 if collected_middle > oldest else 1 if collected_young > middle else 0
        gc.collect(generation)
