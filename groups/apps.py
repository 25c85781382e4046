from django.apps import AppConfig


class GroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "groups"

    def ready(self):
        # The layers below learn of KUBE only through these hooks (DESIGN.md section 5).
        from beneficiaries import models as beneficiaries
        from beneficiaries.panels import HOUSEHOLD_PANELS
        from groups import maturity, models, views
        from kube_portal import nightly

        beneficiaries.occupying_memberships.provide(models.occupying_memberships)
        beneficiaries.kube_household_ids.provide(models.kube_household_ids)
        HOUSEHOLD_PANELS.register("kube_memberships", views.household_memberships_panel)
        nightly.register(nightly.Step("maturity", maturity.nightly_step))
