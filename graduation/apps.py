from django.apps import AppConfig


class GraduationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "graduation"
