"""Enumerations of printing: printer kinds, output formats and print-job statuses."""

from django.db import models


class PrinterKind(models.TextChoices):
    ZPL_TCP = "zpl_tcp", "Zebra (ZPL) on raw TCP port 9100"
    CUPS = "cups", "Zebra (ZPL) behind a CUPS raw queue"
    PDF = "pdf", "PDF download (any office printer)"


class LabelFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    ZPL = "zpl", "ZPL II"
    PNG = "png", "PNG image of the symbol"
    SVG = "svg", "SVG image of the symbol"


class PrintStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Dpi(models.IntegerChoices):
    DPI_203 = 203, "203 dpi (8 dots/mm)"
    DPI_300 = 300, "300 dpi (12 dots/mm)"
