"""The API's views: thin, like the pages'. Reads pick a QuerySet method or a selector and a
FilterSet of ``filters.py``; writes validate the input and hand it to a service, whose refusal
(``WorkflowError``, with the rule that refused) becomes the JSON error of ``errors.py``."""

from __future__ import annotations

import datetime
import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.middleware.http import ConditionalGetMiddleware
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable, NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from tracker.languages import preferred

from .. import selectors, services
from ..caching import Page, shareable
from ..filters import (
    CellFilter,
    ChangeFilter,
    RecommendationFilter,
    StateFilter,
    UpdateFilter,
)
from ..forms import AsOfForm
from ..models import (
    LATEST_FIRST,
    Actor,
    Cell,
    MemberState,
    ProgressUpdate,
    Recommendation,
    SourceDocument,
    Status,
    Theme,
    months_ago,
)
from ..views import ChangeListView, RecommendationListView, StateListView, UpdateListView
from . import serializers as s
from .errors import ErrorSerializer, body
from .pagination import ID_MAX, ApprovalCursor, LogCursor, NumberedPages

# --------------------------------------------------------------------------------------------
# What every API view shares
# --------------------------------------------------------------------------------------------


logger = logging.getLogger(__name__)


class CountedInTheCache:
    """The throttles count requests in Django's cache (Redis in production): a cache server
    that is down lets requests through, logged, rather than failing every API request (the
    page cache's rule: the cache is an aid, not a dependency)."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("API throttle: cache unavailable, request let through", exc_info=True)
            return True


class AnonThrottle(CountedInTheCache, AnonRateThrottle):
    """Requests an anonymous address may make (``DJANGO_API_THROTTLE_ANON``); the rate is read
    when asked, so a changed setting holds at once."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class UserThrottle(CountedInTheCache, UserRateThrottle):
    """Requests a signed-in person (token or session) may make (``DJANGO_API_THROTTLE_USER``)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend with the pages' FilterSets: ``filter_only`` on a view keeps the
    filters the API offers (the log's ``sort`` would break its cursor's order). A value that
    does not validate answers 400 naming the filter (the pages ignore it with a message)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        only = getattr(view, "filter_only", None)
        return kwargs if only is None else {**kwargs, "only": only}


class FilterBackendSchema(DjangoFilterExtension):
    """What the schema says of ``FilterBackend``'s filters: only those the view offers
    (``filter_only``), with the bounds and fixed choices their form fields check (a filter with
    a method of its own loses its choices in drf-spectacular's reading)."""

    target_class = "recommendations.api.views.FilterBackend"
    priority = 1  # before drf-spectacular's own, which matches the subclass too

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        only = getattr(auto_schema.view, "filter_only", None)
        if only is not None and field_name not in only:
            return []
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        bounds = {"max_length": "maxLength", "min_value": "minimum", "max_value": "maximum"}
        choices = filter_field.extra.get("choices")
        for parameter in parameters:
            schema = parameter["schema"]
            if isinstance(choices, list | tuple):  # fixed choices (a callable reads the database)
                values = schema["items"] if schema.get("type") == "array" else schema
                values.setdefault("enum", [value for value, _label in choices])
            if schema.get("type") == "array":
                continue
            for name, keyword in bounds.items():
                if filter_field.extra.get(name) is not None:
                    schema[keyword] = filter_field.extra[name]
        return parameters


class PageCSV(BaseRenderer):
    """``?format=csv`` (or ``Accept: text/csv``) on a list that a page exports: the page's own
    CSV, from the page's own view (there is one CSV path)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors reach here (the list hands over to the page); they are JSON, and say so.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


class Negotiation(DefaultContentNegotiation):
    """An unknown ``?format=`` answers 406 Not Acceptable, as an unknown ``Accept`` does (DRF
    answers 404, as for a URL's format suffix, which the API has none of)."""

    def filter_renderers(self, renderers, format):
        chosen = [renderer for renderer in renderers if renderer.format == format]
        if not chosen:
            raise NotAcceptable(available_renderers=renderers)
        return chosen


class ApiMixin:
    """Language, caching headers and the throttles of every API view."""

    throttle_classes = [AnonThrottle, UserThrottle]
    filter_backends = [FilterBackend]
    content_negotiation_class = Negotiation

    def initial(self, request, *args, **kwargs):
        # The answer's language: the reader's choice (session), else Accept-Language, as the
        # pages without a language prefix. Names, labels and error messages follow it.
        translation.activate(preferred(request._request))
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ("Accept", "Accept-Language", "Authorization", "Cookie"))
        if request.user.is_authenticated:
            # A signed-in person's answer may name authors: for their own cache alone.
            patch_cache_control(response, private=True)
        return response

    def dispatch(self, request, *args, **kwargs):
        # DRF's own dispatch, with the shared page cache (``caching``) between its checks and
        # the handler: a hit is still authenticated and throttled, and speaks the language
        # ``initial`` chose. Token holders and signed-in people are never served from it.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        page = None
        try:
            self.initial(request, *args, **kwargs)
            if shareable(request._request):
                page = Page(request._request, negotiates=True)
            response = page and (page.not_modified() or page.stored())
            if response is None:
                method = request.method.lower()
                handler = (
                    getattr(self, method, self.http_method_not_allowed)
                    if method in self.http_method_names
                    else self.http_method_not_allowed
                )
                response = handler(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        response = self.response = self.finalize_response(request, response, *args, **kwargs)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.streaming
            and response.get("X-Cache") != "hit"
        ):
            # An ETag (the data version's for anonymous readers, else of the body), and 304 when
            # the client has it already.
            response.render()
            if page is not None:
                page.validators(response)
            response = ConditionalGetMiddleware(lambda _: response).process_response(
                request, response
            )
            if page is not None and response.status_code == 200:
                response["X-Cache"] = "miss"
                page.store(response)
        return response


class ReadViewSet(ApiMixin, viewsets.GenericViewSet):
    pagination_class = NumberedPages
    #: the page whose CSV ``?format=csv`` hands over to (list only)
    csv_page = None

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.csv_page is not None and getattr(self, "action", None) == "list":
            renderers.append(PageCSV())
        return renderers

    def perform_content_negotiation(self, request, force=False):
        # A method the view does not offer (no action) answers 405 whatever the format asked
        # for: ``?format=csv``, which only a list renders, would otherwise answer 404 first.
        return super().perform_content_negotiation(request, force=force or self.action is None)

    def list(self, request, *args, **kwargs):
        # Filters and page parameters are checked first: a value that does not validate is a
        # 400 naming it in CSV as in JSON (the page's own CSV would ignore it).
        queryset = self.filter_queryset(self.get_queryset())
        if self.csv_page is not None and request.accepted_renderer.format == "csv":
            self.paginator.check_parameters(request)
            return self.page_csv(request)
        page = self.paginate_queryset(queryset)
        self.decorate(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def decorate(self, rows) -> None:
        """Add what a list's rows show beyond their columns (one query for the page)."""

    def page_csv(self, request):
        page_request = request._request
        page_request.GET = page_request.GET.copy()
        page_request.GET["format"] = "csv"
        # The page's filters the API does not offer stay out of its CSV too: the JSON ignores
        # them, so a reviewer's ?review=submitted would otherwise export unapproved updates.
        if (only := getattr(self, "filter_only", None)) is not None:
            for name in set(self.filterset_class.base_filters) - set(only):
                page_request.GET.pop(name, None)
        return self.csv_page.as_view()(page_request)


def errors(*codes: int) -> dict:
    """Error answers: always JSON, whatever format was asked for (see ``PageCSV``)."""
    return {(code, "application/json"): OpenApiResponse(ErrorSerializer) for code in codes}


def listed(serializer, csv: bool = False) -> dict:
    """A list's 200: JSON, and the page's CSV export where there is one."""
    answer = {(200, "application/json"): serializer(many=True)}
    if csv:
        answer[(200, "text/csv")] = OpenApiTypes.STR
    return answer


#: ``?as_of=YYYY-MM-DD`` on a record that is not a filtered list (a list's is its FilterSet's)
AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=_(
        "The status in effect on that day (YYYY-MM-DD, from 1945 to today): approved updates "
        "dated on or before it. Today when left out."
    ),
)


def as_of(request) -> datetime.date | None:
    """``?as_of=``, read by the pages' own field (``forms.as_of_field``): a valid date, None
    when left out; a malformed one answers 400 naming it."""
    form = AsOfForm(request.query_params)
    if not form.is_valid():
        raise ValidationError(form.errors)
    return form.date


READ_ERRORS = errors(400, 406, 429)
#: a numbered list: also 404 for a page past the last
PAGE_ERRORS = errors(400, 404, 406, 429)
#: one record (400: a NUL byte in the address, refused before any view)
DETAIL_ERRORS = errors(400, 404, 406, 429)


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("The debate's four Ps"),
        responses={**listed(s.ThemeSerializer), **PAGE_ERRORS},
    )
)
class ThemeViewSet(ReadViewSet, mixins.ListModelMixin):
    queryset = Theme.objects.all()
    serializer_class = s.ThemeSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("Who recommendations ask to act"),
        responses={**listed(s.ActorSerializer), **PAGE_ERRORS},
    )
)
class ActorViewSet(ReadViewSet, mixins.ListModelMixin):
    queryset = Actor.objects.all()
    serializer_class = s.ActorSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("The two source documents"),
        responses={**listed(s.DocumentSerializer), **PAGE_ERRORS},
    )
)
class DocumentViewSet(ReadViewSet, mixins.ListModelMixin):
    queryset = SourceDocument.objects.all()
    serializer_class = s.DocumentSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("The recommendations, with their Member States' status counts"),
        responses={**listed(s.RecommendationSerializer, csv=True), **PAGE_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One recommendation, its Member States' status counts today or as of a date"),
        parameters=[AS_OF],
        responses={200: s.RecommendationSerializer, **DETAIL_ERRORS},
    ),
)
class RecommendationViewSet(ReadViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Recommendation.objects.with_tags().order_by("order")
    serializer_class = s.RecommendationSerializer
    filterset_class = RecommendationFilter
    lookup_field = "code"
    lookup_value_regex = "[^/]{1,20}"
    csv_page = RecommendationListView

    def decorate(self, rows):
        selectors.recommendations_with_distribution(rows)

    def retrieve(self, request, *args, **kwargs):
        # r03 is R03, as fra is FRA for a state: codes are upper case.
        rec = get_object_or_404(self.get_queryset(), code=kwargs["code"].upper())
        rec.distribution = selectors.status_counts(rec.cells.all(), as_of=as_of(request))
        return Response(self.get_serializer(rec).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("The Member States and observers, with their regional groups"),
        responses={**listed(s.StateSerializer, csv=True), **PAGE_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_(
            "One Member State: the status of every recommendation, source by source, today or "
            "as of a date"
        ),
        parameters=[AS_OF],
        responses={200: s.StateDetailSerializer, **DETAIL_ERRORS},
    ),
)
class StateViewSet(ReadViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = MemberState.objects.order_by("name")
    serializer_class = s.StateSerializer
    filterset_class = StateFilter
    lookup_field = "iso3"
    lookup_value_regex = "[^/]{1,10}"
    csv_page = StateListView

    def retrieve(self, request, *args, **kwargs):
        state = get_object_or_404(MemberState, iso3=kwargs["iso3"].upper())
        state.as_of = as_of(request)
        state.listed_cells = selectors.state_cells(state, state.as_of)
        state.distribution = selectors.counted(state.listed_cells)
        return Response(s.StateDetailSerializer(state, context=self.get_serializer_context()).data)


# --------------------------------------------------------------------------------------------
# The picture: cells and the dashboard's figures
# --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_(
            "Recommendation x Member State: status, its date, its update and each source's, "
            "today or as of a date"
        ),
        responses={**listed(s.CellSerializer), **PAGE_ERRORS},
    )
)
class CellViewSet(ReadViewSet, mixins.ListModelMixin):
    queryset = (
        Cell.objects.select_related("recommendation", "state")
        .only(
            "recommendation__code",
            "state__iso3",
            "current_status",
            "status_date",
            "current_update_id",
            "sources_disagree",
        )
        .order_by("recommendation__order", "state__name")
    )
    serializer_class = s.CellSerializer
    filterset_class = CellFilter

    def decorate(self, rows):
        # The date was checked by the filters (400 if malformed): the same field reads it here.
        selectors.cells_with_sources(rows, as_of(self.request))


class SummaryView(ApiMixin, APIView):
    """The dashboard's figures for the cells the filters select (the dashboard's filters)."""

    queryset = Cell.objects.all()
    filterset_class = CellFilter

    @extend_schema(
        summary=_("The dashboard's counts"),
        responses={200: s.SummarySerializer, **READ_ERRORS},
        filters=True,  # not a list, but filtered as the cells are: the schema lists the filters
    )
    def get(self, request):
        filterset = CellFilter(
            request.query_params, queryset=Cell.objects.all(), request=request, dated_apart=True
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        day = filterset.as_of_date
        figures = selectors.dashboard(
            filterset.qs,
            filtered=filterset.active,
            stale_since=months_ago(settings.TRACKER_STALE_MONTHS, day),
            stale_shown=0,
            as_of=day,
        )
        by_recommendation = [
            (rec, [(status, n) for status, n, _ in row]) for rec, row in figures.matrix
        ]
        years: dict[int, dict[str, int]] = {}
        for row in figures.years:
            years.setdefault(row["year"], {})[row["status"]] = row["n"]
        data = {
            "as_of": day,
            "cells": figures.total,
            "status_counts": selectors.summed([row for _, row in by_recommendation]),
            "by_recommendation": [
                {"key": rec.code, "name": rec.localized("title"), "status_counts": row}
                for rec, row in by_recommendation
            ],
            "by_theme": [
                {"key": theme.slug, "name": theme.label, "status_counts": row}
                for theme, row in figures.themes
            ],
            "by_regional_group": [
                {"key": group.value, "name": group.label, "status_counts": row}
                for group, row in figures.regions
            ],
            "by_year": [
                {"year": year, "status_counts": [(st, counts.get(st.value, 0)) for st in Status]}
                for year, counts in sorted(years.items())
            ],
            "stale_cells": figures.stale_count,
            "disagreeing_cells": figures.disagreeing,
            "disagreement_by_theme": [
                {"key": theme.slug, "name": theme.label, "cells": n}
                for theme, n in figures.disagreement_themes
            ],
            "disagreement_by_regional_group": [
                {"key": group.value, "name": group.label, "cells": n}
                for group, n in figures.disagreement_regions
            ],
        }
        return Response(s.SummarySerializer(data).data)


# --------------------------------------------------------------------------------------------
# The log: read the approved updates; log, edit, submit, review, withdraw
# --------------------------------------------------------------------------------------------

WRITE_ERRORS = errors(400, 401, 403, 404, 409, 413, 415, 429)


@extend_schema_view(
    list=extend_schema(
        summary=_("The approved log, newest first (a cursor walks it)"),
        responses={**listed(s.UpdateSerializer, csv=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("One update (approved; your own; submitted ones for reviewers)"),
        responses={200: s.UpdateSerializer, **DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary=_("Log an update, as a draft or submitted for review"),
        request=s.UpdateWriteSerializer,
        responses={201: s.UpdateSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Change your draft or returned update (and submit it with submit: true)"),
        request=s.UpdateWriteSerializer(partial=True),
        responses={200: s.UpdateSerializer, **WRITE_ERRORS},
    ),
)
class UpdateViewSet(
    ReadViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    serializer_class = s.UpdateSerializer
    filterset_class = UpdateFilter
    filter_only = [name for name in UpdateFilter.base_filters if name not in ("sort", "review")]
    pagination_class = LogCursor
    lookup_value_regex = "[0-9]{1,19}"
    csv_page = UpdateListView
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Reading is open to anyone, writing needs a signed-in person (the services ask the rest);
    # written as DRF's class, not a get_permissions(), so the schema documents both.
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        if self.action == "list":
            # What the log page shows everyone: approved updates (UpdateFilter asks too).
            return ProgressUpdate.objects.approved().for_listing().order_by(*LATEST_FIRST)
        return ProgressUpdate.objects.visible_to(self.request.user).for_listing()

    def get_object(self):
        pk = int(self.kwargs["pk"])
        if pk > ID_MAX:
            raise NotFound()
        update = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(self.request, update)
        return update

    def shown(self, update, code=status.HTTP_200_OK, **kwargs) -> Response:
        update = ProgressUpdate.objects.for_listing().get(pk=update.pk)
        return Response(self.get_serializer(update).data, status=code, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        update = self.get_object()
        response = Response(self.get_serializer(update).data)
        response["Last-Modified"] = http_date(update.updated_at.timestamp())
        return response

    def create(self, request, *args, **kwargs):
        write = s.UpdateWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        update = services.update_log(user=request.user, evidence=data.pop("evidence", ""), **data)
        location = request.build_absolute_uri(reverse("api:update-detail", args=[update.pk]))
        return self.shown(update, status.HTTP_201_CREATED, headers={"Location": location})

    def update(self, request, *args, **kwargs):
        # PATCH only (no PUT in http_method_names): the fields sent are the ones changed.
        update = self.get_object()
        write = s.UpdateWriteSerializer(data=request.data, partial=True)
        write.is_valid(raise_exception=True)
        changes = dict(write.validated_data)
        update = services.update_edit(
            update=update,
            user=request.user,
            submit=changes.pop("submit", False),
            recommendation=changes.pop("recommendation", None),
            state=changes.pop("state", None),
            **changes,
        )
        return self.shown(update)

    @extend_schema(
        summary=_("Submit your draft or returned update for review"),
        request=None,
        responses={200: s.UpdateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.shown(services.update_submit(update=self.get_object(), user=request.user))

    @extend_schema(
        summary=_("Approve a submitted update (reviewers; not your own)"),
        request=s.ReviewSerializer,
        responses={200: s.UpdateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.step(request, services.update_approve, s.ReviewSerializer, "comment")

    @extend_schema(
        summary=_("Return a submitted update to its author, saying why (reviewers)"),
        request=s.ReturnSerializer,
        responses={200: s.UpdateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        # Read with ReviewSerializer: a missing comment is the service's refusal ("comment").
        return self.step(request, services.update_return, s.ReviewSerializer, "comment")

    @extend_schema(
        summary=_("Withdraw an approved update, with a reason (administrators)"),
        request=s.WithdrawSerializer,
        responses={200: s.UpdateSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self.step(request, services.update_withdraw, s.WithdrawSerializer, "reason")

    def step(self, request, service, serializer_class, field: str) -> Response:
        """A review step: the body's text (``field``) validated, then the service."""
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        text = body.validated_data.get(field, "")
        return self.shown(service(update=self.get_object(), user=request.user, **{field: text}))


# --------------------------------------------------------------------------------------------
# What changed: the approvals of a window, with the status before each
# --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_(
            "Updates approved in a window of days (the last 30 by default), the newest approval "
            "first, with each cell's status before"
        ),
        responses={**listed(s.ChangeSerializer, csv=True), **READ_ERRORS},
    )
)
class ChangeViewSet(ReadViewSet, mixins.ListModelMixin):
    """The "What changed" page's rows: approved updates only, whoever asks (ChangeFilter)."""

    queryset = ProgressUpdate.objects.status_changes()
    serializer_class = s.ChangeSerializer
    filterset_class = ChangeFilter
    pagination_class = ApprovalCursor
    csv_page = ChangeListView


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under /api/: the API's JSON 404, never the site's HTML page (nor the CSRF
    check's HTML 403 for a POST: this view changes nothing)."""
    translation.activate(preferred(request))
    detail = gettext("No such endpoint. The API's endpoints are listed at /api/v1/ and /api/docs/.")
    return JsonResponse(body(404, "not_found", detail), status=404)
