"""Kept bulletin pages issued before the Content-Security-Policy: their print button had an inline
onclick handler, which the policy refuses (the button did nothing and the browser logged a
violation). It becomes the data-print control that the site's app.js handles; nothing else in the
kept page changes."""

from django.db import migrations

OLD = ' onclick="window.print()"'
NEW = " data-print"


def forwards(apps, schema_editor):
    Bulletin = apps.get_model("bulletins", "Bulletin")
    for bulletin in Bulletin.objects.filter(html__contains=OLD).only("pk", "html").iterator():
        Bulletin.objects.filter(pk=bulletin.pk).update(html=bulletin.html.replace(OLD, NEW))


class Migration(migrations.Migration):
    dependencies = [("bulletins", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
