# The moved API token under this app's name in the database too: the table is renamed (rows, ids,
# indexes and the users' foreign keys stay), and its content type is relabelled rather than left
# stale and made anew, so its permissions keep their ids, with them every group's and user's grant
# (api.*_apitoken → accounts.*_apitoken), and the admin's log keeps pointing at the tokens.

from django.db import migrations

OLD, NEW = 'api', 'accounts'
MODEL = 'apitoken'


def relabel(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model('contenttypes', 'ContentType')
    SeedMark = apps.get_model('core', 'SeedMark')
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    if types.filter(app_label=source, model=MODEL).exists():
        # Only a migrate stopped between the two apps' steps leaves a type under the new label too:
        # Django made it empty then, while the old one carries the grants, so the old one wins.
        types.filter(app_label=target, model=MODEL).delete()
        types.filter(app_label=source, model=MODEL).update(app_label=target)
    # The role groups' seed marks name each permission by label (apps/accounts/roles.py): renamed
    # with it, so a token permission the office took from a group is still not given back by `seed`.
    for mark in SeedMark.objects.using(db).filter(key__contains=f',perm={source}.', key__endswith=f'_{MODEL}'):
        mark.key = mark.key.replace(f',perm={source}.', f',perm={target}.')
        if SeedMark.objects.using(db).filter(key=mark.key).exists():
            SeedMark.objects.using(db).filter(pk=mark.pk).delete()
        else:
            mark.save(update_fields=['key'])


def forwards(apps, schema_editor) -> None:
    relabel(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    relabel(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_apitoken_from_api'),
        ('api', '0003_apitoken_to_accounts'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0001_seed_mark'),
    ]

    operations = [
        migrations.AlterModelTable(name='apitoken', table=None),
        migrations.RunPython(forwards, backwards),
    ]
