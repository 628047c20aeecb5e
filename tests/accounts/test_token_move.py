"""The API token moved from apps.api to accounts (issue 20). An installation that had it under
`api` keeps its grants: migration accounts 0005 relabels the token's content type, so the
permissions keep their ids (and every group's and user's grant), and renames the role groups' seed
marks with them, so `seed` does not give back a token permission the office took from a group.

The data step is run here on a database laid out as before the move (a content type `api.apitoken`
beside the one Django makes for `accounts` when a migrate stops between the two apps' steps)."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection

from apps.accounts.models import ApiToken
from apps.accounts.roles import load_role_groups, role_group_name
from apps.core.models import SeedMark
from apps.core.seeding import seed_key

pytestmark = pytest.mark.django_db

move = import_module("apps.accounts.migrations.0005_apitoken_table_and_content_type")
OFFICE = role_group_name("office")


@pytest.fixture
def before_the_move():
    """The token's type and permissions as main had them: app label `api`, the office's group
    granted three of the four (the office took `delete` away by hand), each grant seed-marked."""
    made_by_django = ContentType.objects.get_for_model(ApiToken)
    # The ids of these tables may have been put back by the demo's restore in this worker: new rows
    # take ids past them (a run of CI on a loaded machine met a content type id taken).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [ContentType, Permission, Group, SeedMark]):
            cursor.execute(sql)
    old = ContentType.objects.create(app_label="api", model="apitoken")
    perms = {
        codename: Permission.objects.create(content_type=old, codename=codename, name=codename)
        for codename in ("add_apitoken", "change_apitoken", "delete_apitoken", "view_apitoken")
    }
    group = Group.objects.get_or_create(name=OFFICE)[0]
    group.permissions.add(perms["add_apitoken"], perms["change_apitoken"], perms["view_apitoken"])
    # Before the move no mark named an `accounts` token permission (a seeded test database may have them).
    SeedMark.objects.filter(key__contains=",perm=accounts.", key__endswith="_apitoken").delete()
    SeedMark.objects.bulk_create(
        [SeedMark(key=seed_key(Group, {"name": OFFICE, "perm": f"api.{codename}"})) for codename in perms], ignore_conflicts=True
    )
    yield made_by_django, old, perms, group
    ContentType.objects.clear_cache()


def test_the_move_keeps_the_permissions_and_their_grants(before_the_move):
    made_by_django, old, perms, group = before_the_move

    move.forwards(global_apps, connection.schema_editor())
    ContentType.objects.clear_cache()

    moved = ContentType.objects.get_for_model(ApiToken)
    assert moved.pk == old.pk  # the old type, relabelled: the empty one Django made is gone
    assert not ContentType.objects.filter(pk=made_by_django.pk).exists()
    assert not ContentType.objects.filter(app_label="api").exists()
    assert set(Permission.objects.filter(content_type=moved).values_list("pk", flat=True)) == {p.pk for p in perms.values()}
    granted = set(group.permissions.filter(content_type=moved).values_list("codename", flat=True))
    assert granted == {"add_apitoken", "change_apitoken", "view_apitoken"}
    assert not SeedMark.objects.filter(key__contains="perm=api.").exists()


def test_seed_after_the_move_does_not_give_back_what_the_office_took(before_the_move):
    _, _, _, group = before_the_move
    move.forwards(global_apps, connection.schema_editor())
    ContentType.objects.clear_cache()

    load_role_groups()

    assert not group.permissions.filter(codename="delete_apitoken").exists()
    assert group.permissions.filter(codename="add_apitoken", content_type__app_label="accounts").exists()


def test_the_move_is_undone_by_its_reverse(before_the_move):
    _, old, _, _ = before_the_move
    move.forwards(global_apps, connection.schema_editor())
    move.backwards(global_apps, connection.schema_editor())
    ContentType.objects.clear_cache()

    assert ContentType.objects.get(pk=old.pk).app_label == "api"
    assert SeedMark.objects.filter(key=seed_key(Group, {"name": OFFICE, "perm": "api.delete_apitoken"})).exists()
