"""The `mindwell` command: Django's management commands with Mindwell's settings.

mindwell demo       migrate, load demo content, serve on http://127.0.0.1:8000
mindwell serve      serve the site with the production server
mindwell recount    rebuild every counter from the facts
mindwell <any Django management command>
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mindwell.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    names = [2] if argv[1:2] == ["help"] else [1]
    for i in names:
        if len(argv) > i and not argv[i].startswith("-"):
            argv[i] = argv[i].replace("-", "_")
    execute_from_command_line(argv)
