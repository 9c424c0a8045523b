"""The Imports pages as editors, reviewers and strangers reach them, and the round trip of the
progress log's CSV export through the import."""

import csv
import io

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.exports import UPDATE_HEADER
from recommendations.models import (
    Cell,
    ImportBatch,
    ImportState,
    ProgressUpdate,
    ReviewState,
)
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at, in_group

HEADER = "recommendation,iso3,status,source,effective_date,narrative\n"
GOOD = HEADER + "R01,FRA,planned,government,2024-03-15,<b>Planned</b> & announced.\n"
IMPORTS = "/imports/"


def post_file(client, text: str | bytes, name: str = "log.csv", **data):
    content = text.encode() if isinstance(text, str) else text
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(IMPORTS, {"file": upload, **data})


def test_strangers_are_sent_to_sign_in(client):
    response = client.get(IMPORTS)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_editor_uploads_reads_the_preview_and_confirms(client, editor):
    client.force_login(editor)

    response = post_file(client, GOOD)

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch.get_absolute_url()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "Import 1 update" in page
    assert not ProgressUpdate.objects.exists()

    response = client.post(reverse("recommendations:import-confirm", args=[batch.pk]))

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.review_state == ReviewState.SUBMITTED
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "1 update imported and submitted for review." in page


def test_html_in_a_narrative_is_stored_as_text_and_shown_escaped(client, editor):
    client.force_login(editor)
    post_file(client, GOOD)
    batch = ImportBatch.objects.get()
    client.post(reverse("recommendations:import-confirm", args=[batch.pk]))
    update = ProgressUpdate.objects.get()

    page = client.get(update.get_absolute_url()).content.decode()

    assert update.narrative == "<b>Planned</b> & announced."
    assert "&lt;b&gt;Planned&lt;/b&gt; &amp; announced." in page
    assert "<b>Planned</b>" not in page


def test_the_preview_lists_each_rejected_row_by_line_and_column(client, editor):
    client.force_login(editor)
    text = GOOD + "R01,FRN,planned,government,2024-03-15,Typed in a hurry.\n"

    post_file(client, text)

    page = client.get(ImportBatch.objects.get().get_absolute_url()).content.decode()
    assert "“FRN” is not a Member State code. Did you mean FRA?" in page
    assert '<td>3</td><td dir="auto">iso3</td>' in page


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\x01\x02binary" * 50, "data.csv", "holds binary data"),
        (b"PK\x03\x04broken", "book.xlsx", "cannot be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "locked.xlsx", "password"),
        (HEADER.encode(), "header.csv", "no rows under it"),
        (b"recommendation,status\nR01,planned\n", "short.csv", "no column for"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why(client, editor, content, name, message):
    client.force_login(editor)

    response = post_file(client, content, name)

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.state == ImportState.FAILED
    page = client.get(batch.get_absolute_url()).content.decode()
    assert message in page
    assert "Correct the file and upload it again" in page


def test_an_empty_or_oversized_upload_is_refused_on_the_form(client, editor, settings):
    client.force_login(editor)
    settings.TRACKER_IMPORT_MAX_BYTES = 10

    empty = post_file(client, b"", "empty.csv")
    large = post_file(client, GOOD, "large.csv")

    assert empty.status_code == 400
    assert "The submitted file is empty." in empty.content.decode()
    assert large.status_code == 400
    assert "one import takes at most" in large.content.decode()
    assert not ImportBatch.objects.exists()


def test_someone_who_is_not_an_editor_cannot_upload(client, reviewer):
    client.force_login(reviewer)

    page = client.get(IMPORTS).content.decode()
    response = post_file(client, GOOD)

    assert "Import a spreadsheet" not in page
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_other_editors_batches_are_not_found(client, editor):
    batch = services.batch_upload(user=editor, file_name="mine.csv", content=GOOD.encode())
    services.batch_preview(batch_id=batch.pk)
    other = in_group(UserFactory(username="another-editor", is_staff=False), "Editors")
    client.force_login(other)

    pages = [
        client.get(batch.get_absolute_url()),
        client.post(reverse("recommendations:import-confirm", args=[batch.pk])),
        client.get(reverse("recommendations:import-report", args=[batch.pk])),
    ]

    assert [page.status_code for page in pages] == [404, 404, 404]
    assert "mine.csv" not in client.get(IMPORTS).content.decode()
    assert not ProgressUpdate.objects.exists()


def test_reviewers_open_every_batch_but_only_its_uploader_confirms(client, editor, reviewer):
    batch = services.batch_upload(user=editor, file_name="mine.csv", content=GOOD.encode())
    services.batch_preview(batch_id=batch.pk)
    client.force_login(reviewer)

    page = client.get(batch.get_absolute_url()).content.decode()
    response = client.post(reverse("recommendations:import-confirm", args=[batch.pk]))

    assert "only editor, who uploaded it, can import it" in page
    assert response.status_code == 302
    assert not ProgressUpdate.objects.exists()


def test_a_confirmation_asked_by_get_is_refused(client, editor):
    client.force_login(editor)
    post_file(client, GOOD)

    response = client.get(
        reverse("recommendations:import-confirm", args=[ImportBatch.objects.get().pk])
    )

    assert response.status_code == 405


def test_a_running_batch_is_polled_by_its_page(client, editor):
    batch = ImportBatch.objects.create(
        created_by=editor, file_name="big.csv", sha256="0" * 64, content=b"", rows_total=9000
    )
    client.force_login(editor)

    page = client.get(batch.get_absolute_url()).content.decode()
    fragment = client.get(batch.get_absolute_url(), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 2s"' in page
    assert "0 of about 9,000 rows read" in page
    assert fragment.content.decode().lstrip().startswith('<div id="batch-body"')


def test_the_report_downloads_as_csv(client, editor):
    client.force_login(editor)
    post_file(client, GOOD + "R01,FRN,planned,government,2024-03-15,x\n" + GOOD.splitlines()[1])
    batch = ImportBatch.objects.get()

    response = client.get(reverse("recommendations:import-report", args=[batch.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["line", "outcome", "column", "detail"]
    assert rows[1][:3] == ["3", "rejected", "iso3"]
    assert rows[2] == ["4", "present", "", "2"]


def test_the_templates_download_with_the_exports_columns(client, db):
    csv_template = client.get("/imports/template.csv")
    xlsx_template = client.get("/imports/template.xlsx")

    header = next(csv.reader(io.StringIO(csv_template.content.decode("utf-8-sig"))))
    assert header == UPDATE_HEADER
    assert xlsx_template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx_template.content.startswith(b"PK")


def test_the_imports_pages_cost_the_same_queries_however_many_batches_and_rows(
    client, editor, django_assert_max_num_queries
):
    client.force_login(editor)
    many_rows = HEADER + "".join(
        f"R01,FRN,planned,government,2024-03-{day:02d},Row {day}.\n" for day in range(1, 29)
    )
    for _ in range(3):
        post_file(client, GOOD)
    post_file(client, many_rows)
    batch = ImportBatch.objects.order_by("-pk").first()

    with django_assert_max_num_queries(8):
        few = client.get(IMPORTS)
    for _ in range(20):
        post_file(client, GOOD)
    with django_assert_max_num_queries(8):
        many = client.get(IMPORTS)
    with django_assert_max_num_queries(6):
        detail = client.get(batch.get_absolute_url())

    assert few.status_code == many.status_code == detail.status_code == 200
    assert detail.content.decode().count("is not a Member State code") == 28


def test_the_admin_filters_the_queue_by_batch(client, editor, reviewer):
    batch = services.batch_upload(user=editor, file_name="mine.csv", content=GOOD.encode())
    batch = services.batch_confirm(batch=services.batch_preview(batch_id=batch.pk), user=editor)
    ProgressUpdateFactory(review_state=ReviewState.SUBMITTED, narrative="Not imported.")
    client.force_login(reviewer)
    changelist = reverse("admin:recommendations_progressupdate_changelist")

    page = client.get(f"{changelist}?import_batch={batch.pk}").content.decode()
    hostile = client.get(f"{changelist}?import_batch=1%20OR%201=1")

    assert "1 progress update" in page
    assert "mine.csv" in page
    assert hostile.status_code in (302, 400)


def test_reviewers_see_batches_in_the_admin(client, editor, reviewer):
    services.batch_upload(user=editor, file_name="mine.csv", content=GOOD.encode())
    client.force_login(reviewer)

    page = client.get(reverse("admin:recommendations_importbatch_changelist"))

    assert page.status_code == 200
    assert "mine.csv" in page.content.decode()


def test_the_export_round_trips_through_the_import(client, editor, reviewer):
    """Export the log, import it into a log with the same catalogue and nothing else, approve
    it, export again: the same rows, apart from ids, review fields and timestamps."""
    author = UserFactory(username="original-author")
    narratives = [
        "=SUM(A1) starts like a formula.",
        "'=already quoted",
        "<script>alert(1)</script> & more",
        "Two lines,\nwith a comma; and a semicolon.",
        "Côte d’Ivoire — «guillemets» 中文 العربية",
        "-5 victims identified",
    ]
    for number, narrative in enumerate(narratives):
        ProgressUpdateFactory(
            approved=True,
            cell=cell_at(f"R0{number + 1}", ["FRA", "CIV", "CHN", "SAU", "BRA", "NGA"][number]),
            narrative=narrative,
            effective_date=f"20{10 + number}-0{number + 1}-1{number}",
            evidence="https://example.org/a\nhttps://example.org/b" if number % 2 else "",
            reported_by=author,
        )
    first = client.get("/updates/?format=csv")
    exported = b"".join(first.streaming_content)

    Cell.objects.update(current_update=None)
    ProgressUpdate.objects.all().delete()
    batch = services.batch_upload(user=editor, file_name="export.csv", content=exported)
    batch = services.batch_confirm(batch=services.batch_preview(batch_id=batch.pk), user=editor)
    assert (batch.rows_created, batch.rows_rejected) == (len(narratives), 0)
    for update in batch.updates.all():
        services.update_approve(update=update, user=reviewer)
    again = b"".join(client.get("/updates/?format=csv").streaming_content)

    def comparable(content: bytes) -> list[list[str]]:
        rows = list(csv.reader(io.StringIO(content.decode())))
        kept = [i for i, name in enumerate(rows[0]) if name not in ("id", "reviewed_at")]
        return sorted([row[i] for i in kept] for row in rows)

    assert comparable(again) == comparable(exported)
    assert ProgressUpdate.objects.get(narrative__startswith="=SUM").narrative == narratives[0]


def test_an_imported_update_links_back_to_its_batch_for_those_who_may_open_it(
    client, editor, reviewer
):
    client.force_login(editor)
    post_file(client, GOOD.replace("announced.", "announced.\n").rstrip("\n") + "\n")
    batch = ImportBatch.objects.get()
    client.post(reverse("recommendations:import-confirm", args=[batch.pk]))
    update = ProgressUpdate.objects.get()
    services.update_approve(update=update, user=reviewer)

    own = client.get(update.get_absolute_url()).content.decode()
    client.logout()
    public = client.get(update.get_absolute_url()).content.decode()

    assert f'href="{batch.get_absolute_url()}"' in own
    assert batch.get_absolute_url() not in public
