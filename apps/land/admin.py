from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import PolicyAdmin, form_data

from .models import LandAcquisition
from .services import LAND_FIELDS, land_acquisition_create, land_acquisition_update


@admin.register(LandAcquisition)
class LandAcquisitionAdmin(PolicyAdmin, SimpleHistoryAdmin):
    list_display = (
        "project",
        "parcel_name",
        "required_area_mu",
        "acquired_area_mu",
        "acquisition_rate_display",
        "land_households_total",
        "land_households_signed",
        "compensation_due",
        "compensation_paid",
        "approval_status",
    )
    list_filter = ("approval_status", "supply_mode", "region")
    search_fields = ("project__name", "parcel_name", "approval_doc_no")
    list_select_related = ("project",)
    autocomplete_fields = ("project", "region")

    def get_readonly_fields(self, request, obj=None):
        # A parcel stays with its project (the service does not move it).
        return (*super().get_readonly_fields(request, obj), *(("project",) if obj is not None else ()))

    def service_create(self, request, obj, form):
        return land_acquisition_create(actor=request.user, project=obj.project, data=form_data(form, LAND_FIELDS, change=False))

    def service_update(self, request, obj, form):
        return land_acquisition_update(
            actor=request.user, land=obj, data=form_data(form, LAND_FIELDS, change=True), seen=self.seen_version(request)
        )

    @admin.display(description="征收完成率（%）")
    def acquisition_rate_display(self, obj):
        rate = obj.acquisition_rate
        return "—" if rate is None else rate
