"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

from lims.checks import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lims.settings")
application = get_wsgi_application()
require_secret_key()
