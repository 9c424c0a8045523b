"""Signal receivers, connected in ``RecommendationsConfig.ready``."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tracker.languages import SESSION_KEY

from .services.preferences import language_of


@receiver(user_logged_in, dispatch_uid="recommendations.language_on_sign_in")
def language_on_sign_in(sender, request, user, **kwargs):
    """A user's chosen language follows them: into this session when they sign in."""
    language = language_of(user)
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language
