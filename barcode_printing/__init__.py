"""Specimen IDs and check characters, barcode symbols, label layouts, PDF and ZPL output."""
