"""`manage.py seed`: idempotent, follows edited data files, never touches logged follow-up."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import (
    Cell,
    MemberState,
    ProgressUpdate,
    Recommendation,
    ReviewState,
    Status,
    Strength,
    Voice,
)
from recommendations.services import catalogue_seed, cell_refresh_status
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    return (
        Recommendation.history.count()
        + MemberState.history.count()
        + Cell.history.count()
        + ProgressUpdate.history.count()
    )


def test_seeding_twice_changes_nothing(data_dir):
    before = history_rows()
    report = catalogue_seed(data_dir=data_dir)
    assert not report.changed
    assert report.cells_created == 0
    assert history_rows() == before


def test_seed_command_says_when_there_is_nothing_to_change():
    out = io.StringIO()
    call_command("seed", stdout=out)
    assert "nothing to change" in out.getvalue()
    assert "recommendations: 0 created, 0 updated" in out.getvalue()


def test_there_is_one_cell_per_recommendation_and_state():
    assert Cell.objects.count() == Recommendation.objects.count() * MemberState.objects.count()


def test_an_edited_data_file_updates_the_record_and_its_history(data_dir):
    path = data_dir / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    title = Recommendation.objects.get(code="R01").title
    path.write_text(text.replace(title, "An edited title", 1), encoding="utf-8")

    report = catalogue_seed(data_dir=data_dir)

    assert report.counts["recommendations"]["updated"] == 1
    rec = Recommendation.objects.get(code="R01")
    assert rec.title == "An edited title"
    assert rec.history.first().title == "An edited title"


def test_an_edited_state_row_updates_the_state(data_dir):
    path = data_dir / "member_states.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Czechia,CZE", "Czech Republic,CZE"),
        encoding="utf-8",
    )
    catalogue_seed(data_dir=data_dir)
    assert MemberState.objects.get(iso3="CZE").name == "Czech Republic"


def test_reseeding_never_touches_logged_updates(data_dir):
    update = ProgressUpdateFactory(status=Status.PLANNED, approved=True)
    cell = cell_refresh_status(cell=cell_at())
    path = data_dir / "recommendations.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Palermo", "Palermo (edited)"), "utf-8"
    )

    catalogue_seed(data_dir=data_dir)

    update.refresh_from_db()
    cell.refresh_from_db()
    assert update.review_state == ReviewState.APPROVED
    assert update.history.count() == 1
    assert cell.current_status == Status.PLANNED


def test_create_only_adds_what_is_missing_and_keeps_admin_edits(data_dir):
    Recommendation.objects.filter(code="R01").update(title="Edited in the admin")
    path = data_dir / "recommendations.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n- code: R99\n  title: New\n  text: New ask.\n  source_document: summary\n"
        "  source_reference: para. 21\n  themes: [partnership]\n  actors: [icat]\n"
        "  voiced_by: delegations\n  strength: suggested\n",
        encoding="utf-8",
    )

    report = catalogue_seed(data_dir=data_dir, create_only=True)

    assert Recommendation.objects.get(code="R01").title == "Edited in the admin"
    assert Recommendation.objects.filter(code="R99").exists()
    assert report.counts["recommendations"]["created"] == 1
    assert report.counts["recommendations"]["updated"] == 0
    assert report.cells_created == MemberState.objects.count()


def test_a_failing_seed_leaves_no_half_written_catalogue(data_dir):
    (data_dir / "member_states.csv").write_text(
        "name,iso3,regional_group,membership\nAtlantis,ATL,atlantic,member\n", encoding="utf-8"
    )
    path = data_dir / "recommendations.yaml"
    title = Recommendation.objects.get(code="R01").title
    path.write_text(path.read_text(encoding="utf-8").replace(title, "Half-written", 1), "utf-8")
    with pytest.raises(CommandError, match="member_states.csv, line 2"):
        call_command("seed", data_dir=data_dir, stdout=io.StringIO())
    assert Recommendation.objects.get(code="R01").title == title
    assert not MemberState.objects.filter(iso3="ATL").exists()


def test_an_unknown_theme_aborts_the_seed_and_changes_nothing(data_dir):
    path = data_dir / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    title = Recommendation.objects.get(code="R02").title
    text = text.replace(title, "Changed before the error", 1).replace(
        "[prosecution", "[prosecutoin", 1
    )
    text = text.replace("themes: [prevention]", "themes: [preventoin]")
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match="unknown themes 'preventoin'"):
        call_command("seed", data_dir=data_dir, stdout=io.StringIO())

    assert Recommendation.objects.get(code="R02").title == title


def test_a_malformed_file_is_refused_with_its_name(data_dir):
    (data_dir / "themes.yaml").write_text("- slug: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match="themes.yaml: not valid YAML"):
        call_command("seed", data_dir=data_dir, stdout=io.StringIO())


def test_a_duplicate_code_is_refused(data_dir):
    path = data_dir / "recommendations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("code: R02", "code: R01"), "utf-8")
    with pytest.raises(CommandError, match="R01 appears twice"):
        call_command("seed", data_dir=data_dir, stdout=io.StringIO())


def test_a_record_dropped_from_the_files_is_reported_not_deleted(data_dir):
    path = data_dir / "recommendations.yaml"
    text = path.read_text(encoding="utf-8")
    last = text.rindex("- code: ")
    path.write_text(text[:last], encoding="utf-8")
    dropped = Recommendation.objects.order_by("order").last().code

    report = catalogue_seed(data_dir=data_dir)

    assert Recommendation.objects.filter(code=dropped).exists()
    assert report.not_in_files == {"recommendations": [dropped]}


# Who voiced an ask, and how strongly


def test_the_seed_loads_who_voiced_each_ask_and_how_strongly():
    r20 = Recommendation.objects.get(code="R20")
    assert (r20.voiced_by, r20.strength) == (Voice.PANELLIST, Strength.REPORTED)
    r31 = Recommendation.objects.get(code="R31")
    assert (r31.voiced_by, r31.strength) == (Voice.DELEGATIONS, Strength.URGED)
    assert r31.voiced_by_note == "Several speakers, not named"
    assert Recommendation.objects.get(code="R01").strength == Strength.AGREED
    assert Recommendation.objects.get(code="R13").paraphrase is True
    assert Recommendation.objects.get(code="R24").paraphrase is False


def test_the_placeholders_are_gone():
    """Not every ask is the debate's agreed conclusion."""
    assert Recommendation.objects.exclude(strength=Strength.AGREED).count() > 30
    voices = set(Recommendation.objects.values_list("voiced_by", flat=True))
    assert voices == set(Voice.values)


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (
            "voiced_by: delegations",
            "voiced_by: delegation",
            "recommendations.yaml, R05: voiced_by 'delegation' is not one of conclusion, "
            "president, deputy_secretary_general, delegations, panellist, background_paper.",
        ),
        (
            "strength: reported",
            "strength: reportedly",
            "recommendations.yaml, R18: strength 'reportedly' is not one of agreed, urged, "
            "suggested, reported.",
        ),
        ("  voiced_by: conclusion\n", "", "R01: voiced_by '' is not one of conclusion"),
        ("  strength: agreed\n", "", "R01: strength '' is not one of agreed"),
    ],
)
def test_a_bad_voice_or_strength_is_refused_naming_the_record(data_dir, before, after, message):
    path = data_dir / "recommendations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(before, after, 1), "utf-8")
    for create_only in (False, True):  # also where the record itself is unchanged
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("seed", data_dir=data_dir, create_only=create_only, stdout=io.StringIO())
    assert Recommendation.objects.get(code="R05").voiced_by == Voice.DELEGATIONS


def test_paraphrase_must_be_true_or_false(data_dir):
    path = data_dir / "recommendations.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("paraphrase: true", "paraphrase: perhaps", 1),
        "utf-8",
    )
    with pytest.raises(CommandError, match="R13: paraphrase is true or false"):
        call_command("seed", data_dir=data_dir, stdout=io.StringIO())
