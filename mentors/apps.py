from django.apps import AppConfig


class MentorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mentors"

    def ready(self):
        # The lower layers learn of mentors only through these hooks (DESIGN.md section 5).
        from groups.models import current_assignments
        from kube_portal.scoping import mentor_kube_ids
        from mentors import models

        mentor_kube_ids.provide(models.assigned_kube_ids)
        current_assignments.provide(models.current_assignments)
