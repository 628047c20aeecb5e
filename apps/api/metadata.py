from rest_framework.metadata import SimpleMetadata


class PlainMetadata(SimpleMetadata):
    """OPTIONS answers with the view's name, description and formats only.

    DRF's default also describes the PUT/POST serializer, which calls get_object() — a 500 on
    actions without a pk (found by schemathesis). The OpenAPI schema describes the bodies anyway.
    """

    def determine_actions(self, request, view):
        return {}
