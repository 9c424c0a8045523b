"""A person's API tokens: make one (shown once), see them, revoke one."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from .. import services
from ..forms import TokenForm
from ..models import ApiToken


class TokenListView(LoginRequiredMixin, FormView):
    template_name = "recommendations/tokens.html"
    form_class = TokenForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tokens=list(ApiToken.objects.of(self.request.user)),
            tokens_max=services.TOKENS_PER_PERSON,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            token, text = services.token_create(
                user=self.request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["expiry"],
            )
        except services.WorkflowError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        # Shown on this answer alone: never in a URL, a message or the session.
        response = self.render_to_response(
            self.get_context_data(
                form=TokenForm(),
                new_token=token,
                new_text=text,
                new_header=f"Authorization: Token {text}",
            )
        )
        add_never_cache_headers(response)
        return response


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, key):
        if services.token_revoke(user=request.user, token_key=key):
            messages.success(
                request,
                _("Token %(key)s… revoked: programs using it can no longer sign in.")
                % {"key": key},
            )
        else:
            messages.error(
                request, _("You hold no token %(key)s…; nothing was revoked.") % {"key": key}
            )
        return redirect("recommendations:token-list")
