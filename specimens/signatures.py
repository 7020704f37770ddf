"""Electronic signatures: the signer's and witness's re-entered passwords, and the signature rows.

Passwords go through the sign-in check (so the lockout counts every guess), and a refused
witness gets one answer whatever the cause, so the endpoint cannot be used to guess passwords
or to learn which usernames exist.
"""

from django.utils import timezone

from lims.choices import Role
from lims.credentials import PasswordCheck
from lims.models import Membership, Site, User
from specimens.errors import SignatureRefused
from specimens.models import CustodyEvent, Signature

WITNESS_ROLES = (Role.BIOBANK_TECHNICIAN, Role.SITE_ADMIN)


def confirm_signer(actor: User, password: str, *, check: PasswordCheck) -> None:
    if check(actor.get_username(), password) != actor:
        raise SignatureRefused(
            "Your password was not accepted (it is wrong, or your account is locked after too "
            "many failed attempts); nothing was signed or recorded."
        )


def authenticate_witness(
    actor: User, username: str, password: str, *, check: PasswordCheck
) -> User | None:
    """The user ``username`` and ``password`` sign in as, or None (refused by ``confirm_witness``,
    after the membership check, so that every refusal reads the same)."""
    if username == actor.get_username():
        raise SignatureRefused("A witness must be someone other than the person signing.")
    witness = check(username, password)
    return None if witness is None or witness.pk == actor.pk else witness


def confirm_witness(witness: User | None, site: Site) -> User:
    """``witness`` if they may witness at ``site``; one refusal for every other case."""
    eligible = (
        witness is not None
        and Membership.objects.active()
        .filter(user=witness, site=site, role__in=WITNESS_ROLES)
        .exists()
    )
    if not eligible:
        raise SignatureRefused(
            "The witness was not accepted: the username or password is wrong, the account is "
            "locked after too many failed attempts, or that person is not a biobank technician "
            f"or site admin at {site.code}. Nothing was signed or recorded."
        )
    return witness


def sign(event: CustodyEvent, user: User, meaning: str) -> Signature:
    return Signature.objects.create(
        event=event,
        signer=user,
        printed_name=user.get_full_name() or user.get_username(),
        signed_at=timezone.now(),
        meaning=meaning,
        event_hash=event.hash,
    )
