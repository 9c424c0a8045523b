"""The interface's translations: every string marked, the catalogues in step with the code, and
every entry translated in all five languages other than English."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from recommendations.localization import completeness, po_path
from tests.i18n.unmarked import project_unmarked, python_unmarked, template_unmarked
from tracker.languages import translated_languages

ROOT = Path(settings.BASE_DIR)
OTHER_LANGUAGES = translated_languages()


def entries(path: Path) -> set[tuple]:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural)
        for entry in polib.pofile(str(path))
        if not entry.obsolete
    }


def test_every_interface_string_is_marked_for_translation():
    unmarked = project_unmarked(ROOT)
    assert not unmarked, "Mark these for translation:\n" + "\n".join(map(str, unmarked))


def test_the_check_finds_unmarked_text_in_templates(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<h1>{% translate "Marked" %}</h1><p>Typed in English</p>'
        '<a title="Unmarked title" href="{% url "x" %}">{{ value }}</a>'
        "{% blocktranslate %}Marked {{ n }} times{% endblocktranslate %}"
        "<script>const notText = 1;</script>"
    )
    found = [item.text for item in template_unmarked(template, tmp_path)]
    assert found == ["Typed in English", "Unmarked title"]


def test_the_check_finds_unmarked_text_in_python(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from django import forms\n"
        "from django.utils.translation import gettext_lazy as _\n"
        "class F(forms.Form):\n"
        "    a = forms.CharField(label='Bare label', help_text=_('Marked help'))\n"
        "    b = forms.CharField(widget=forms.TextInput(attrs={'placeholder': 'Bare placeholder'}))"
        "\n"
        "def f(request):\n"
        "    messages.success(request, f'Saved {x}.')\n"
        "    raise ValidationError(_('Marked error'))\n"
    )
    found = sorted(item.text for item in python_unmarked(module, tmp_path))
    assert found == ["Bare label", "Bare placeholder", "Saved ."]


def test_the_catalogues_are_in_step_with_the_code(tmp_path, monkeypatch):
    """What `make messages` would write is what is committed: nothing new, nothing gone."""
    # makemessages writes next to the code it reads: run it on a copy, never on the checkout.
    copy = tmp_path / "project"
    for folder in ["locale", "templates", "recommendations", "tracker"]:
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    locale = copy / "locale"
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[locale]):
        call_command("makemessages", all=True, verbosity=0)
    for language in OTHER_LANGUAGES:
        relative = po_path(language).relative_to(ROOT / "locale")
        fresh, committed = entries(locale / relative), entries(po_path(language))
        assert fresh == committed, (
            f"{relative} is out of date; run `make messages` and translate. "
            f"New: {sorted(fresh - committed, key=str)[:10]} "
            f"Gone: {sorted(committed - fresh, key=str)[:10]}"
        )


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalogue = polib.pofile(str(po_path(language)))
    assert catalogue.metadata.get("Language"), "the header names no language"
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{language}: untranslated {untranslated}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy}"
    assert "fuzzy" not in catalogue.metadata_as_entry().flags


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_translations_keep_every_placeholder(language):
    """msgfmt --check: python-format placeholders, plural forms and the header."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path(language))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_report_says_every_language_is_complete(db, capsys):
    call_command("translations", "--strict")
    report = capsys.readouterr().out
    for language in OTHER_LANGUAGES:
        assert language in report
    assert all(line.interface_complete for line in completeness())
