"""Import progress updates from a spreadsheet, as the import page does, from the terminal.

    manage.py import_updates FILE --as USER [--dry-run] [--draft] [--sheet NAME]

FILE is a CSV file or an XLSX workbook with the columns of the progress log's CSV export (the
import template has them). The file is kept as a batch, read and checked row by row (the same
preview as the page: each rejected row by line and column, each conflict, the rows already
present), then, unless --dry-run, its new rows are written in one transaction as the user USER
(submitted for review, or drafts with --draft). Whatever the file's size, the command reads and
writes it itself: the terminal waits, no worker is needed.

Exit status 0 only when every row was accepted (new or already present); 1 when a row was
rejected or conflicts, when the file cannot be read, or when USER may not import.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recommendations.models import ImportBatch, ImportState
from recommendations.services import (
    WorkflowError,
    batch_confirm,
    batch_preview,
    batch_upload,
)


class Progress:
    """A progress line on stderr ("Read 5,000 rows"), rewritten in place on a terminal and
    silent otherwise (a log file or a pipe gets the report alone)."""

    def __init__(self, stream):
        self.stream = stream
        self.shown = stream.isatty()
        self.width = 0

    def _show(self, text: str) -> None:
        if self.shown:
            # Plain, not in the error stream's red.
            self.stream.write("\r" + text.ljust(self.width), style_func=str, ending="")
            self.stream.flush()
            self.width = max(self.width, len(text))

    def start(self, name: str) -> None:
        self._show(_("Reading %(file)s…") % {"file": name})

    def __call__(self, rows: int) -> None:
        self._show(
            ngettext("Read %(count)s row", "Read %(count)s rows", rows) % {"count": f"{rows:,}"}
        )

    def finish(self) -> None:
        if self.width:
            self.stream.write("")
            self.width = 0


class Command(BaseCommand):
    help = "Import progress updates from a CSV or XLSX file (the export's columns)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV or XLSX file to import.")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USER",
            help="The editor the updates are logged by (their username).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check every row and print the report; write nothing.",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Import the rows as drafts, not submitted for review.",
        )
        parser.add_argument(
            "--sheet", default="", help="The workbook's sheet to read (the first by default)."
        )

    def handle(
        self, *args, file: Path, username: str, dry_run: bool, draft: bool, sheet: str, **options
    ):
        verbosity = options.get("verbosity", 1)
        user = self._user(username)
        content = self._content(file)
        try:
            batch = batch_upload(user=user, file_name=file.name, content=content, sheet=sheet)
        except WorkflowError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        progress = Progress(self.stderr)
        progress.start(file.name)
        batch = batch_preview(batch_id=batch.pk, progress=progress)
        progress.finish()

        self._report(batch, verbosity)
        if batch.state == ImportState.FAILED:
            raise CommandError(
                _("%(file)s cannot be imported: %(problem)s")
                % {"file": batch.file_name, "problem": batch.problem}
            )
        refused = self._refused(batch)
        if dry_run:
            if refused:
                raise CommandError(
                    _("%(refused)s; nothing was imported (dry run).") % {"refused": refused}
                )
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Every row is accepted: %(new)s would be imported. Nothing was written; "
                        "the preview is batch #%(batch)s on the Imports page."
                    )
                    % {"new": _rows(batch.rows_new), "batch": batch.pk}
                )
            )
            return

        batch = self._confirm(batch, user, draft)
        created = batch.rows_created
        if not created:
            done = _("Nothing new to import (batch #%(batch)s).")
        elif draft:
            done = ngettext(
                "%(count)s update imported as a draft (batch #%(batch)s).",
                "%(count)s updates imported as drafts (batch #%(batch)s).",
                created,
            )
        else:
            done = ngettext(
                "%(count)s update imported and submitted for review (batch #%(batch)s).",
                "%(count)s updates imported and submitted for review (batch #%(batch)s).",
                created,
            )
        message = done % {"count": f"{created:,}", "batch": batch.pk}
        if refused:
            self.stdout.write(message)
            raise CommandError(
                _("%(created)s imported, %(refused)s.")
                % {"created": f"{created:,}", "refused": refused}
            )
        self.stdout.write(self.style.SUCCESS(message))

    # ----------------------------------------------------------------------------------------

    def _user(self, username: str):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": username})
        return user

    def _content(self, file: Path) -> bytes:
        try:
            # At most one byte past the limit: the service then refuses the size, and a device
            # such as /dev/zero is not read for ever.
            with file.open("rb") as stream:
                return stream.read(settings.TRACKER_IMPORT_MAX_BYTES + 1)
        except FileNotFoundError:
            raise CommandError(_("No file at %(file)s.") % {"file": file}) from None
        except IsADirectoryError:
            raise CommandError(
                _("%(file)s is a folder; give a CSV or XLSX file.") % {"file": file}
            ) from None
        except OSError as error:
            raise CommandError(
                _("%(file)s cannot be read: %(reason)s.")
                % {"file": file, "reason": error.strerror or error}
            ) from None

    def _confirm(self, batch: ImportBatch, user, draft: bool) -> ImportBatch:
        """Write the new rows now, whatever the file's size: the command waits for no worker."""
        try:
            batch = batch_confirm(batch=batch, user=user, as_draft=draft, inline=True)
        except WorkflowError as error:
            raise CommandError(str(error)) from None
        if batch.state != ImportState.IMPORTED:
            raise CommandError(batch.problem or _("Nothing was imported."))
        return batch

    def _refused(self, batch: ImportBatch) -> str:
        """The rows not accepted, in words ("3 rows rejected, 1 conflict"); empty if none."""
        parts = []
        if batch.rows_rejected:
            parts.append(
                ngettext("%(count)s row rejected", "%(count)s rows rejected", batch.rows_rejected)
                % {"count": f"{batch.rows_rejected:,}"}
            )
        if batch.rows_conflict:
            parts.append(
                ngettext("%(count)s conflict", "%(count)s conflicts", batch.rows_conflict)
                % {"count": f"{batch.rows_conflict:,}"}
            )
        return ", ".join(parts)

    def _report(self, batch: ImportBatch, verbosity: int) -> None:
        """The preview, as the page shows it: the columns ignored, each rejected row and conflict,
        and the counts (a file that cannot be read has none: the command stops with why)."""
        out = self.stdout
        if batch.state == ImportState.FAILED:
            return  # the command stops with the problem
        report = batch.report or {}
        if report.get("unknown_columns"):
            out.write(
                _("Unknown columns, ignored: %(columns)s.")
                % {"columns": ", ".join(report["unknown_columns"])}
            )
        if verbosity > 1 and report.get("describing_columns"):
            out.write(
                _("Columns read past (they describe a row of the export): %(columns)s.")
                % {"columns": ", ".join(report["describing_columns"])}
            )
        for rejection in report.get("rejected", []):
            out.write(
                _("line %(line)s, %(column)s: %(message)s")
                % {
                    "line": rejection["line"],
                    "column": rejection["column"],
                    "message": rejection["message"],
                }
            )
        more = report.get("rejections", 0) - len(report.get("rejected", []))
        if more > 0:
            out.write(
                ngettext(
                    "… and %(count)s more rejection (the report keeps the first ones).",
                    "… and %(count)s more rejections (the report keeps the first ones).",
                    more,
                )
                % {"count": f"{more:,}"}
            )
        for conflict in report.get("conflicts", []):
            if conflict.get("update"):
                message = _(
                    "line %(line)s, external_id: “%(id)s” is update #%(update)s in the log, "
                    "with other content; it is not overwritten."
                )
            else:
                message = _(
                    "line %(line)s, external_id: “%(id)s” is also on line %(first)s of this file, "
                    "with other content."
                )
            out.write(
                message
                % {
                    "line": conflict["line"],
                    "id": conflict["external_id"],
                    "update": conflict.get("update"),
                    "first": conflict.get("line_of"),
                }
            )
        if verbosity > 1:
            for present in report.get("present", []):
                out.write(_("line %(line)s: already present; skipped.") % {"line": present["line"]})
        out.write(
            _("%(file)s: %(rows)s read; %(new)s new, %(present)s already present, %(refused)s.")
            % {
                "file": batch.file_name,
                "rows": _rows(batch.rows_total),
                "new": f"{batch.rows_new:,}",
                "present": f"{batch.rows_present:,}",
                "refused": self._refused(batch) or _("none rejected"),
            }
        )


def _rows(count: int) -> str:
    return ngettext("%(count)s row", "%(count)s rows", count) % {"count": f"{count:,}"}
