from django.http import HttpRequest

from mindwell.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind @login_required: its user is a member."""

    user: User
