import io

import pytest
from django.conf import settings
from django.core.management import call_command

from recommendations.models import Recommendation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the catalogue once per test database; each test runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        call_command("seed", stdout=io.StringIO())


@pytest.fixture
def seeded(db):
    """The seeded catalogue, re-seeded where a transactional test flushed it."""
    if not Recommendation.objects.exists():
        call_command("seed", stdout=io.StringIO())


@pytest.fixture
def data_dir(tmp_path):
    """A writable copy of the data files, for tests that edit them."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(settings.TRACKER_DATA_DIR, target)
    return target


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; a fast hasher keeps the suite quick (never used outside tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    from tests.factories import UserFactory, in_group

    return in_group(UserFactory(username="editor", is_staff=False), "Editors")


@pytest.fixture
def scoped_editor(db):
    """An editor assigned to France only."""
    from recommendations.models import EditorScope, MemberState
    from tests.factories import UserFactory, in_group

    user = in_group(UserFactory(username="focal-point-fra", is_staff=False), "Editors")
    EditorScope.objects.create(user=user).states.set([MemberState.objects.get(iso3="FRA")])
    return user


@pytest.fixture
def reviewer(db):
    from tests.factories import UserFactory, in_group

    return in_group(UserFactory(username="reviewer"), "Reviewers")


@pytest.fixture
def second_reviewer(db):
    from tests.factories import UserFactory, in_group

    return in_group(UserFactory(username="reviewer2"), "Reviewers")


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root", is_superuser=True)
