"""The land form of the dossier (征地拆迁): the fields the service lets a write set, parsed only;
every rule is the service's (apps/web/forms.show_service_errors)."""

from __future__ import annotations

from django import forms

from apps.land.models import LandAcquisition
from apps.land.services import LAND_FIELDS
from apps.web.forms import dated

# Land figures: the fields the service lets a write set (the API's write serializer, less `project`),
# with the model fields' own validators (e.g. 金额不能为负数), as DRF's ModelSerializer builds them.
LAND_FORM_FIELDS = [f.name for f in LandAcquisition._meta.concrete_fields if f.name in LAND_FIELDS]


class LandAcquisitionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(dated(forms.fields_for_model(LandAcquisition, fields=LAND_FORM_FIELDS)))
        for name in ("remarks",):
            self.fields[name].widget.attrs["rows"] = 3

    @staticmethod
    def initial_from(land: LandAcquisition) -> dict:
        return forms.model_to_dict(land, fields=LAND_FORM_FIELDS)
