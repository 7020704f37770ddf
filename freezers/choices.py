"""Enumerations of freezer storage: kinds and statuses of freezers, racks and box grids."""

from django.db import models


class FreezerKind(models.TextChoices):
    UPRIGHT_80 = "upright_minus80", "−80 °C upright"
    CHEST_80 = "chest_minus80", "−80 °C chest"
    FREEZER_20 = "minus20", "−20 °C freezer"
    FRIDGE_4 = "fridge_4", "4 °C refrigerator"
    NITROGEN_TANK = "ln2_tank", "Liquid-nitrogen tank"


class FreezerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEFROSTING = "defrosting", "Defrosting"
    BACKUP = "backup", "Backup (emergency space)"
    OUT_OF_SERVICE = "out_of_service", "Out of service"


class RackKind(models.TextChoices):
    RACK = "rack", "Rack"
    SHELF = "shelf", "Shelf"
    CANISTER = "canister", "Canister"


class PositionNaming(models.TextChoices):
    LETTER_NUMBER = "letter_number", "Row letter and column number (A1)"
    SEQUENTIAL = "sequential", "Sequential numbers in fill order (1, 2, …)"


class FillOrder(models.TextChoices):
    ROW_WISE = "row", "Row by row (A1, A2, …)"
    COLUMN_WISE = "column", "Column by column (A1, B1, …)"


class Strategy(models.TextChoices):
    FILL_FIRST = "fill_first", "Fill the least-empty box first"
    SPLIT_PARTICIPANT = "split_participant", "Spread a participant's tubes over two freezers"
