"""The record that a database holds a demo municipality built by ``ks demo``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoBuild(models.Model):
    """One build of the demo municipality; its presence marks the database as a demo database."""

    scale = models.DecimalField(_("scale"), max_digits=8, decimal_places=4)
    seed = models.PositiveIntegerField(_("seed"))
    built_at = models.DateTimeField(_("built"), default=timezone.now)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), default=0.0)

    class Meta:
        verbose_name = _("demo build")
        verbose_name_plural = _("demo builds")
        ordering = ["-built_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scale} ({self.built_at:%Y-%m-%d %H:%M})"
