"""Pytest plugin loaded before Django: the environment the suite runs in.

Settings are read at import, before any conftest, so the test environment is set here. Tests
run with the development relaxations (plain HTTP) and Django's test runner then forces
DEBUG off, so error pages and handlers behave as in production.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("LIMS_DEMO_PASSWORD", "demo-lims-2026")
