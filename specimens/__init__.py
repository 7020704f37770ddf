"""Participants, the tube catalog, collection orders, specimens, their lifecycle and custody."""
