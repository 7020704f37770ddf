"""WSGI entry point."""

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from lims.checks import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lims.settings")
application = get_wsgi_application()
require_secret_key()
# Every view imported now, with the URLs: not by each worker's first request, and before a
# preloading server (gunicorn.conf.py) freezes what is loaded and forks.
import_module(settings.ROOT_URLCONF)
