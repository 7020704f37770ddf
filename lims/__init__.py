"""The LIMS project package: settings, sites and roles, API conventions and audit plumbing."""
