"""The buttons an order's pages show: what its lifecycle allows now for this user."""

from barcode_printing.services import PRINTING_ROLES
from lims.scoping import scope_of
from specimens.choices import OrderStatus
from specimens.order_lifecycle import allowed_actions


def order_actions(order, user) -> frozenset[str]:
    """The order lifecycle's actions, and "labels" while the order is live and the user may
    print at its site (printing's own rule)."""
    actions = set(allowed_actions(order, user))
    if order.status != OrderStatus.CANCELLED and scope_of(user).has_role(
        order.site_id, PRINTING_ROLES
    ):
        actions.add("labels")
    return frozenset(actions)
