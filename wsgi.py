"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import sys

from app import create_app

# `flask check-config` must report a missing SECRET_KEY as a problem, not fail to start.
app = create_app(CONFIG_CHECK_ONLY="check-config" in sys.argv[1:])
