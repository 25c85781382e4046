from django.apps import AppConfig


class GraduationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "graduation"

    def ready(self):
        from beneficiaries.panels import HOUSEHOLD_PANELS
        from beneficiaries.signals import households_changed
        from graduation import fieldapp, receivers, recompute, views
        from groups.signals import kube_maturity_changed, memberships_changed
        from kube_portal import nightly
        from mentors.selectors import HOUSEHOLDS_TO_ASSESS

        households_changed.connect(receivers.recompute_households, dispatch_uid="graduation.households_changed")
        memberships_changed.connect(receivers.recompute_households, dispatch_uid="graduation.memberships_changed")
        kube_maturity_changed.connect(receivers.recompute_kube_members, dispatch_uid="graduation.kube_maturity")
        HOUSEHOLD_PANELS.register("readiness", views.household_readiness_panel)
        nightly.register(
            nightly.Step(
                "readiness",
                recompute.readiness_step,
                parts=recompute.readiness_parts,
                run_part=recompute.readiness_part,
            )
        )
        HOUSEHOLDS_TO_ASSESS.provide(fieldapp.households_to_assess)
