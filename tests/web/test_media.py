"""Uploaded files are served to signed-in users only, whatever DEBUG says."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_user_downloads_an_attachment(client):
    name = default_storage.save("milestones/2026/11/批复.pdf", ContentFile(b"%PDF-1.4 test"))
    assert client.get(f"/media/{name}").status_code == 302  # to the login page
    client.force_login(UserFactory(role="viewer"))
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("name", ["../settings.py", "nothing/here.pdf", "milestones/../../etc/passwd"])
def test_no_file_outside_the_storage_or_missing(client, name):
    client.force_login(UserFactory(role="viewer"))
    assert client.get(f"/media/{name}").status_code == 404
