"""Signal receivers, connected in ``RecommendationsConfig.ready``."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tracker.languages import SESSION_KEY, supported

from .services.preferences import language_of, language_remember


@receiver(user_logged_in, dispatch_uid="recommendations.language_on_sign_in")
def language_on_sign_in(sender, request, user, **kwargs):
    """A user's chosen language follows them to another device: at sign-in it becomes this
    session's. A choice already made on this device (the language menu's cookie) is the newer
    one: it wins, and the account keeps it."""
    if request is None or not hasattr(request, "session"):
        return
    here = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if here:
        language_remember(user, here)
    language = here or language_of(user)
    if language:
        request.session[SESSION_KEY] = language
