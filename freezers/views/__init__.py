"""The biobank technician's storage pages."""
