"""Freezer storage at the biobank: freezers, racks, boxes, placements, allocation, rack scans."""
