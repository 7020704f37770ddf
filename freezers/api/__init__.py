"""API of freezer storage."""
