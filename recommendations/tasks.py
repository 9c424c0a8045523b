"""Background work, through Django's tasks API (the django-tasks backport; ``manage.py
db_worker`` runs it): the preview, the writing and the review of an import too large for one
request. Each task is the service's own function; an unexpected error marks the batch so its
page says so."""

from django_tasks import task

from .services import imports


@task()
def import_preview(batch_id: int) -> None:
    try:
        imports.batch_preview(batch_id=batch_id)
    except Exception:
        imports.batch_fail(batch_id=batch_id)
        raise


@task()
def import_write(batch_id: int) -> None:
    try:
        imports.batch_write(batch_id=batch_id)
    except Exception:
        imports.batch_fail(batch_id=batch_id)
        raise


@task()
def import_review(batch_id: int, user_id: int, decision: str, comment: str) -> None:
    try:
        imports.batch_review_run(
            batch_id=batch_id, user_id=user_id, decision=decision, comment=comment
        )
    except Exception:
        imports.batch_fail(batch_id=batch_id)
        raise
