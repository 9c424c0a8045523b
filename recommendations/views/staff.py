"""Editors' pages: log an update, edit and (re)submit it, see their own."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from .. import permissions, selectors, services
from ..forms import ProgressUpdateForm
from ..models import MemberState, ProgressUpdate, Recommendation, ReviewState


class UpdateFormMixin(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Shared by log and edit: validate the form, hand the write to a service, report errors."""

    permission_required = permissions.LOG
    form_class = ProgressUpdateForm
    template_name = "recommendations/update_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            update = self.write(form)
        except services.WorkflowError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        if update.review_state == ReviewState.SUBMITTED:
            messages.success(
                self.request, _("Update #%(id)s submitted for review.") % {"id": update.pk}
            )
        else:
            messages.success(
                self.request, _("Update #%(id)s saved as a draft.") % {"id": update.pk}
            )
        return redirect(update)


class UpdateCreateView(UpdateFormMixin):
    """Reached from a recommendation page (``?recommendation=R03``), a state page (``?state=FRA``)
    or a cell (both): what the link names is preset. An editor with one Member State has it
    preset; a state outside their scope gets a page saying so and whom to ask."""

    def get(self, request, *args, **kwargs):
        self.preset = {"recommendation": "", "state": ""}
        code = request.GET.get("recommendation", "").strip().upper()[:10]
        if code:
            if Recommendation.objects.filter(code=code).exists():
                self.preset["recommendation"] = code
            else:
                messages.warning(
                    request,
                    _("No recommendation has the code %(code)s: choose one below.")
                    % {"code": code},
                )
        iso3 = request.GET.get("state", "").strip().upper()[:3]
        if iso3:
            state = MemberState.objects.filter(iso3=iso3).first()
            if state is None:
                messages.warning(
                    request,
                    _("No Member State has the code %(code)s: choose one below.") % {"code": iso3},
                )
            elif answer := permissions.may_log(request.user, state):
                self.preset["state"] = state.iso3
            else:
                return TemplateResponse(
                    request,
                    "recommendations/out_of_scope.html",
                    {"state": state, "reason": answer.reason, **selectors.whom_to_ask()},
                    status=403,
                )
        if not self.preset["state"]:
            only = list(MemberState.objects.loggable_by(request.user)[:2])
            if len(only) == 1:
                self.preset["state"] = only[0].iso3
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        return getattr(self, "preset", {})

    def write(self, form):
        return services.update_log(
            user=self.request.user,
            recommendation=form.cleaned_data["recommendation"],
            state=form.cleaned_data["state"],
            submit=form.wants_submit,
            **form.update_fields(),
        )


class UpdateEditView(UpdateFormMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.update = get_object_or_404(
            ProgressUpdate.objects.select_related("cell__recommendation", "cell__state"),
            pk=kwargs["pk"],
        )
        answer = permissions.may_edit(request.user, self.update)
        if not answer:
            visible = ProgressUpdate.objects.visible_to(request.user)
            if not visible.filter(pk=self.update.pk).exists():
                raise Http404("No such update.")
            messages.error(request, answer.reason)
            return redirect(self.update)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return ProgressUpdateForm.initial_from(self.update)

    def get_context_data(self, **kwargs):
        return super().get_context_data(update=self.update, **kwargs)

    def write(self, form):
        return services.update_edit(
            update=self.update,
            user=self.request.user,
            recommendation=form.cleaned_data["recommendation"],
            state=form.cleaned_data["state"],
            submit=form.wants_submit,
            **form.update_fields(),
        )


class MyUpdatesView(LoginRequiredMixin, ListView):
    template_name = "recommendations/my_updates.html"
    context_object_name = "updates"
    paginate_by = 50

    returned_shown = 50

    def get_queryset(self):
        return (
            ProgressUpdate.objects.by_author(self.request.user)
            .for_listing()
            .order_by("-updated_at", "-id")
        )

    def get_context_data(self, **kwargs):
        mine = ProgressUpdate.objects.by_author(self.request.user)
        counts = selectors.review_state_counts(mine)
        returned_count = dict(counts)[ReviewState.RETURNED]
        context = super().get_context_data(
            review_counts=counts,
            returned_count=returned_count,
            # What waits for the author, on top: the latest returned first.
            returned=list(
                mine.returned().for_listing().order_by("-reviewed_at", "-id")[: self.returned_shown]
            )
            if returned_count
            else [],
            **kwargs,
        )
        for update in [*context["updates"], *context["returned"]]:
            update.can_edit = permissions.may_edit(self.request.user, update)
        return context
