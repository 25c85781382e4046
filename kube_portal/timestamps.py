"""When a register record was created and last changed, and by whom: one declaration for the models that keep it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Timestamped(models.Model):
    """`created_at` once, `updated_at` on every save (`save(update_fields=...)` must name it)."""

    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        abstract = True


class TimestampedByUser(Timestamped):
    """Timestamped, and the user who created the record (kept when the user is removed: users are deactivated)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dibuat oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True
