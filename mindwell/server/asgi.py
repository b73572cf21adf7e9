"""The ASGI application, for `mindwell serve --server uvicorn`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mindwell.settings")
application = get_asgi_application()
