"""API of shipments."""
