"""The schema and the docs pages are served by the project itself (closed networks: no CDN)."""

import re

import pytest
from django.contrib import messages
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_schema_is_served_with_chinese_descriptions(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "重点项目清单化管理系统 API" in text
    assert "逾期与临期清单" in text
    assert "tokenAuth" in text


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_nothing_from_the_internet(client, path):
    page = client.get(path).content.decode()
    # Swagger UI from the vendored sidecar; Redoc's script from the project (logo removed, apps.api.docs)
    assert "/static/drf_spectacular_sidecar/" in page or reverse("redoc-bundle") in page
    external = [u for u in re.findall(r'(?:src|href)="(https?://[^"]+)"', page)]
    assert external == []
    assert "cdn.jsdelivr" not in page


def test_docs_assets_are_vendored(client):
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


def test_a_token_issued_in_the_admin_is_shown_once(client, office_user):
    from apps.accounts.models import ApiToken

    client.force_login(office_user)
    response = client.post(
        reverse("admin:accounts_apitoken_add"), {"name": "督查系统", "user": office_user.pk, "scope": "read"}, follow=True
    )
    assert response.status_code == 200
    shown = [str(m) for m in messages.get_messages(response.wsgi_request)] + [m.message for m in response.context["messages"]]
    token = ApiToken.objects.get()
    key_messages = [m for m in shown if "只显示这一次" in m]
    assert key_messages or "只显示这一次" in response.content.decode()
    key = re.search(r"只显示这一次）：(\S+)", response.content.decode()).group(1)
    assert key.startswith(token.prefix)
