"""Django's makemessages with this project's defaults, so that ``make messages`` and the test
that checks the catalogues are up to date extract exactly the same strings.

- Only the project's code: not the virtualenv, npm packages, collected static files, tests or
  benchmarks.
- File names without line numbers (``#: templates/base.html``), so moving code does not rewrite
  every catalogue; no obsolete entries kept.
"""

from django.core.management.commands import makemessages

#: folders whose strings are not the interface's
IGNORED = ["node_modules/*", "staticfiles/*", "tests/*", "bench/*", "backups/*", "locale/*"]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*(options.get("ignore_patterns") or []), *IGNORED]
        if options.get("add_location") is None:
            options["add_location"] = "file"
        options["no_obsolete"] = True
        return super().handle(*args, **options)
