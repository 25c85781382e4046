"""The audit trail's own tables: the rows of the audit models it replaced, and the admin's view of all events.

The events themselves live next to each tracked model (`<Model>Event`, see audit.tracking).
"""

import pghistory
import pghistory.models
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LegacyEntry(models.Model):
    """An audit row written before the trail moved to database triggers, kept readable on the history pages.

    The three per-app audit tables (KPM households, user accounts, mentors) were moved here by their
    apps' migrations, with their actor, time and changes as they were; nothing writes new rows.
    `object_model`/`object_id` name the record whose history page shows the row (a household, a
    user, a mentor); `entry_model` is the model whose fields `changes` names ({field: [before,
    after]}), `subject` the member's NIK when a member changed.
    """

    object_model = models.CharField(_("data"), max_length=60)
    object_id = models.CharField(_("nomor data"), max_length=40)
    entry_model = models.CharField(_("jenis data"), max_length=60)
    subject = models.CharField(_("subjek"), max_length=40, blank=True)
    action = models.CharField(_("tindakan"), max_length=20)
    source = models.CharField(_("sumber"), max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Users are deactivated, never deleted; the old tables did not all check it either.
        db_constraint=False,
        db_index=False,
    )
    at = models.DateTimeField(_("waktu"))
    changes = models.JSONField(_("perubahan"), default=dict, blank=True)

    class Meta:
        verbose_name = _("riwayat lama")
        verbose_name_plural = _("riwayat lama")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_model", "object_id", "-at"], name="legacy_entry_object")]

    def __str__(self):
        return f"{self.object_model} {self.object_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class AuditEvents(pghistory.models.Events):
    """Every event of every tracked table, with the context's actor and source (the admin's list)."""

    user = pghistory.ProxyField(
        "pgh_context__user",
        models.ForeignKey(
            settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, verbose_name=_("oleh"), related_name="+"
        ),
    )
    source = pghistory.ProxyField("pgh_context__source", models.TextField(_("sumber"), null=True))
    url = pghistory.ProxyField("pgh_context__url", models.TextField(_("alamat"), null=True))

    class Meta:
        proxy = True
        verbose_name = _("peristiwa riwayat")
        verbose_name_plural = _("peristiwa riwayat")
