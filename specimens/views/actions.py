"""The buttons an order's page shows: what its lifecycle allows now for this user.

Pages ask only ``order_actions``; the rule lives in ``specimens.order_lifecycle``.
"""

from lims.choices import Role
from lims.scoping import scope_of
from specimens.choices import OrderStatus
from specimens.order_lifecycle import allowed_actions


def order_actions(order, user) -> frozenset[str]:
    actions = set(allowed_actions(order, user))
    # Printing labels changes no state: the site's phlebotomist may print them again until the
    # order is cancelled.
    if order.status != OrderStatus.CANCELLED and scope_of(user).has_role(
        order.site_id, [Role.PHLEBOTOMIST]
    ):
        actions.add("labels")
    return frozenset(actions)
