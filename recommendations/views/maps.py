"""The world map's shapes: one SVG of definitions every map on the site draws from."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import etag, require_safe

from .. import maps


@require_safe
@gzip_page
@cache_control(public=True, max_age=365 * 24 * 3600, immutable=True)
@etag(lambda request: maps.atlas_version())
def map_shapes(request):
    """Pages ask for ``?v=<world-atlas version>``: a new version is a new address, so the
    browser may keep this one for a year."""
    if not maps.available():
        raise Http404("The world map's shapes are not installed.")
    return HttpResponse(maps.shapes_svg(), content_type="image/svg+xml; charset=utf-8")
