"""A deploy starts the shared page cache afresh: the release is part of every page's key.

``DJANGO_RELEASE`` names it; without it the release is a digest of the files that render the
pages (code, templates, compiled translations), the same on every server running the same files
and different as soon as one of them changes."""

import pytest
from django.test import RequestFactory

from recommendations import caching


@pytest.fixture
def project(tmp_path, settings, monkeypatch):
    """A project folder of its own: one template, one module, one catalogue."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<h1>{{ title }}</h1>")
    (tmp_path / "recommendations").mkdir()
    (tmp_path / "recommendations" / "views.py").write_text("TITLE = 'Dashboard'\n")
    (tmp_path / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.mo").write_bytes(b"\x00catalogue")
    settings.BASE_DIR = tmp_path
    settings.TRACKER_RELEASE = ""
    caching.release.cache_clear()
    yield tmp_path
    caching.release.cache_clear()


def release_after(change) -> str:
    caching.release.cache_clear()
    change()
    caching.release.cache_clear()
    return caching.release()


def test_the_release_is_the_same_for_the_same_files(project):
    first = caching.release()
    caching.release.cache_clear()
    assert caching.release() == first


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("templates/page.html", "<h2>{{ title }}</h2>"),
        ("recommendations/views.py", "TITLE = 'Tableau de bord'\n"),
        ("locale/fr/LC_MESSAGES/django.mo", "\x00catalogue 2"),
        ("templates/new.html", "a new template"),
    ],
)
def test_a_changed_template_module_or_translation_is_a_new_release(project, path, content):
    before = caching.release()
    assert release_after(lambda: (project / path).write_text(content)) != before


def test_files_the_pages_do_not_read_leave_the_release_alone(project):
    before = caching.release()
    (project / "notes.txt").write_text("not rendered")
    (project / "templates" / "draft.txt").write_text("not a template")
    assert release_after(lambda: None) == before


def test_django_release_names_the_release(project, settings):
    settings.TRACKER_RELEASE = "2026.11.30-1"
    caching.release.cache_clear()
    assert caching.release() == "2026.11.30-1"


@pytest.mark.django_db
def test_another_release_looks_up_another_key(project, settings):
    request = RequestFactory().get("/dashboard/?theme=protection")
    request.LANGUAGE_CODE = "en"
    settings.TRACKER_RELEASE = "one"
    caching.release.cache_clear()
    first = caching.Page(request).key
    settings.TRACKER_RELEASE = "two"
    caching.release.cache_clear()
    assert caching.Page(request).key != first
