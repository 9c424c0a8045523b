"""Every API error is JSON of one shape: the HTTP status, the rule or field that refused the
request, and a sentence saying what to do::

    {"status": 403, "rule": "scope", "detail": "You may not log updates for France: ...",
     "fields": {}}

A service's ``WorkflowError`` carries its rule (``permissions.Answer.rule``): rules about who
may act answer 403, rules about the update's state 409, missing text 400. A model's
``ValidationError`` answers 400 with the fields it names; a body over Django's size limit 413.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services import WorkflowError

#: the workflow's rules about the state of things (the update, the batch), not about the person
CONFLICTS = {"open", "submitted", "approved", "changed", "content"}
#: the workflow's rules about missing or unknown input
BAD_INPUT = {"comment", "reason", "fields"}

#: DRF's exceptions, named for programs
RULES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "malformed",
    exceptions.AuthenticationFailed: "authentication",
    exceptions.NotAuthenticated: "authentication",
    exceptions.PermissionDenied: "permission",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "media_type",
    exceptions.Throttled: "throttled",
}


class ErrorSerializer(serializers.Serializer):
    """The body of every error (for the schema)."""

    status = serializers.IntegerField()
    rule = serializers.CharField(
        help_text=gettext_lazy(
            "The rule or check that refused the request: invalid, scope, four_eyes, ..."
        )
    )
    detail = serializers.CharField(
        help_text=gettext_lazy("What went wrong and what to do, in words.")
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("For invalid input: each field named, with its messages."),
    )


def body(code: int, rule: str, detail: str, fields: dict | None = None) -> dict:
    return {"status": code, "rule": rule, "detail": str(detail), "fields": fields or {}}


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _messages(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _fields(detail) -> dict[str, list[str]]:
    """DRF's nested error detail, flattened to {field: [messages]}."""
    if isinstance(detail, dict):
        return {str(name): _messages(value) for name, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def workflow_status(error: WorkflowError) -> int:
    if error.rule in CONFLICTS:
        return status.HTTP_409_CONFLICT
    if error.rule in BAD_INPUT:
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_403_FORBIDDEN


def exception_handler(exc, context):
    """DRF's handler, then every answer reshaped into the one error body."""
    if isinstance(exc, WorkflowError):
        code = workflow_status(exc)
        return Response(body(code, exc.rule or "workflow", str(exc)), status=code)
    if isinstance(exc, ModelValidationError):
        fields = (
            {name: list(messages) for name, messages in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": list(exc.messages)}
        )
        fields = {
            ("non_field_errors" if name == "__all__" else name): m for name, m in fields.items()
        }
        exc = exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        # Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE), which it answers with an HTML 400.
        code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        detail = _("The body is too large: send at most %(n)s bytes.") % {
            "n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
        return Response(body(code, "too_large", detail), status=code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500, logged
    rule = next((name for kind, name in RULES.items() if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        detail = _("Correct the fields named and send the request again.")
        if list(fields) == ["non_field_errors"]:
            detail = " ".join(fields["non_field_errors"])
        response.data = body(response.status_code, rule, detail, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = body(response.status_code, rule, " ".join(_messages(detail)))
    return response
