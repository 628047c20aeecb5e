# The API token moves from apps.api to accounts (issue 20: apps.api is a way in and owns no model).
# State only: the table api_apitoken and its rows stay as they are; 0005 renames the table.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_user_must_change_password'),
        # The table exists (created by the api app) before this app takes the model over.
        ('api', '0002_token_default_expiry'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=80, verbose_name='用途/对接系统')),
                        ('scope', models.CharField(choices=[('read', '只读'), ('read_write', '读写')], default='read', max_length=10, verbose_name='权限范围')),
                        ('prefix', models.CharField(db_index=True, editable=False, max_length=8, verbose_name='令牌前缀')),
                        ('key_hash', models.CharField(editable=False, max_length=64, unique=True, verbose_name='令牌摘要')),
                        ('expires_at', models.DateTimeField(blank=True, help_text='签发时不填则按系统设定的默认有效期（出厂为365天）；为空表示长期有效，只在签发时明确选择“长期有效”时才会如此。', null=True, verbose_name='过期时间')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='吊销时间')),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='最近使用')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='签发时间')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='所属用户')),
                    ],
                    options={
                        'verbose_name': '接口令牌',
                        'verbose_name_plural': '接口令牌',
                        'ordering': ('-created_at',),
                        'db_table': 'api_apitoken',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
