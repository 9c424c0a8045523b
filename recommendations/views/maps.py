"""The world map's shapes: one SVG of definitions every map on the site draws from."""

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import etag, require_safe

from .. import maps


@require_safe
@gzip_page
@etag(lambda request: maps.shapes_version() if maps.available() else None)
def map_shapes(request):
    """Pages ask for ``?v=<hash of the shapes>``: new shapes are a new address, so the browser
    may keep this one for a year; any other address is revalidated each time."""
    if not maps.available():
        raise Http404("The world map's shapes are not installed.")
    response = HttpResponse(maps.shapes_svg(), content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("v") == maps.shapes_version():
        patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    else:
        patch_cache_control(response, public=True, no_cache=True)
    return response
