# The API token is now accounts.ApiToken (accounts 0004 took the model over, same table): this app
# forgets it without touching the table or its rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0002_token_default_expiry'),
        ('accounts', '0004_apitoken_from_api'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ApiToken')],
            database_operations=[],
        ),
    ]
