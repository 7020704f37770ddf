"""Shipments from collection sites to the biobank: packing, manifests, receipt, reconciliation."""
