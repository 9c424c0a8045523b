"""Users and roles: the Editors and Reviewers groups, and the development logins."""

from __future__ import annotations

from django.db import transaction

from .. import permissions
from .catalogue import SeedDataError

EDITORS = "Editors"
REVIEWERS = "Reviewers"
ROLE_PERMISSIONS = {
    EDITORS: [permissions.codename(permissions.LOG)],
    # The view permissions open the admin's read-only pages, where reviewers work.
    REVIEWERS: [
        permissions.codename(name)
        for name in (
            permissions.VIEW_UPDATES,
            permissions.REVIEW,
            permissions.VIEW_CELLS,
            permissions.VIEW_RECOMMENDATIONS,
            permissions.VIEW_STATES,
            permissions.VIEW_IMPORTS,
        )
    ],
}


@transaction.atomic
def roles_seed() -> list[str]:
    """Create the Editors and Reviewers groups with exactly their permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    changed = []
    for name, codenames in ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=name)
        wanted = set(
            Permission.objects.filter(
                content_type__app_label="recommendations", codename__in=codenames
            )
        )
        if len(wanted) != len(codenames):
            raise SeedDataError(f"Permissions missing for {name}: run migrate first.")
        if created or set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
            changed.append(name)
    return changed


@transaction.atomic
def dev_logins_create(*, password_factory) -> list[tuple[str, str, str]]:
    """Create the development logins; returns (username, password, role) for each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    roles_seed()
    User = get_user_model()
    logins = []
    admin_password = password_factory()
    User.objects.create_superuser(
        username="admin", email="admin@localhost", password=admin_password
    )
    logins.append(("admin", admin_password, "administrator (superuser)"))
    for username, group, is_staff, role in [
        ("editor", EDITORS, False, "editor: logs updates for any state"),
        ("reviewer", REVIEWERS, True, "reviewer: approves in the admin"),
    ]:
        password = password_factory()
        user = User.objects.create_user(
            username=username, email=f"{username}@localhost", password=password, is_staff=is_staff
        )
        user.groups.add(Group.objects.get(name=group))
        logins.append((username, password, role))
    return logins
