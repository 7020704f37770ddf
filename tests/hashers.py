"""A password hasher for the suite: production's PBKDF2 with one iteration instead of a million."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneRoundPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Hashes in microseconds, where production's iterations cost a good part of a second per
    user made. The hashes keep production's format (the iteration count is part of each), so
    a live server running production settings still verifies them."""

    iterations = 1
