"""Editors' pages: log an update, edit and (re)submit it, see their own, and one update's page."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView, ListView

from . import services
from .forms import ProgressUpdateForm
from .models import ProgressUpdate, ReviewState


class UpdateFormMixin(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Shared by log and edit: validate the form, hand the write to a service, report errors."""

    permission_required = "recommendations.add_progressupdate"
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
            messages.success(self.request, f"Update #{update.pk} submitted for review.")
        else:
            messages.success(self.request, f"Update #{update.pk} saved as a draft.")
        return redirect(update)


class UpdateCreateView(UpdateFormMixin):
    def get_initial(self):
        # Reached from a recommendation or state page: /updates/new/?recommendation=R03&state=FRA
        return {
            "recommendation": self.request.GET.get("recommendation", "").strip().upper()[:10],
            "state": self.request.GET.get("state", "").strip().upper()[:3],
        }

    def write(self, form):
        return services.update_log(
            author=self.request.user,
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
        if self.update.reported_by_id != request.user.pk:
            raise Http404("Only the author of an update may edit it.")
        if not self.update.is_editable:
            messages.error(
                request,
                f"Update #{self.update.pk} is {self.update.get_review_state_display().lower()} "
                "and can no longer be edited. Log a new update to correct it.",
            )
            return redirect(self.update)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return ProgressUpdateForm.initial_from(self.update)

    def get_context_data(self, **kwargs):
        return super().get_context_data(update=self.update, **kwargs)

    def write(self, form):
        return services.update_edit(
            update=self.update,
            author=self.request.user,
            recommendation=form.cleaned_data["recommendation"],
            state=form.cleaned_data["state"],
            submit=form.wants_submit,
            **form.update_fields(),
        )


class MyUpdatesView(LoginRequiredMixin, ListView):
    template_name = "recommendations/my_updates.html"
    context_object_name = "updates"
    paginate_by = 50

    def get_queryset(self):
        return (
            ProgressUpdate.objects.by_author(self.request.user)
            .for_listing()
            .order_by("-updated_at", "-id")
        )

    def get_context_data(self, **kwargs):
        counts = dict(
            ProgressUpdate.objects.by_author(self.request.user)
            .values_list("review_state")
            .annotate(n=Count("id"))
            .order_by()
        )
        review_counts = [(state, counts.get(state.value, 0)) for state in ReviewState]
        return super().get_context_data(review_counts=review_counts, **kwargs)


class UpdateDetailView(DetailView):
    template_name = "recommendations/update_detail.html"
    context_object_name = "update"

    def get_object(self, queryset=None):
        return get_object_or_404(
            ProgressUpdate.objects.visible_to(self.request.user).for_listing(), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        update = self.object
        return super().get_context_data(
            can_edit=update.is_editable and update.reported_by_id == self.request.user.pk,
            **kwargs,
        )
