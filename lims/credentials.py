"""Passwords re-entered to sign a record, checked like a sign-in so the lockout counts them."""

from collections.abc import Callable

from django.contrib.auth import authenticate
from django.http import HttpRequest

from lims.models import User

# (username, password) -> the user they sign in as, or None: wrong, unknown, inactive or locked
# out, which the caller cannot and must not tell apart.
PasswordCheck = Callable[[str, str], User | None]


def sign_in_check(request: HttpRequest) -> PasswordCheck:
    """A check through ``authenticate()`` with ``request``, so django-axes counts each failure
    against that username and address and refuses a locked-out account like a sign-in."""

    def check(username: str, password: str) -> User | None:
        user = authenticate(request, username=username, password=password)
        # A signature gets one uniform refusal. Left set, this flag makes the axes middleware
        # swap the answer for its lockout page, telling a guesser which names it has locked.
        request.axes_locked_out = False
        return user

    return check
