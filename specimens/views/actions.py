"""The buttons an order's page shows: what its lifecycle allows now for this user.

Pages ask only ``order_actions``; the rule lives with the services' order states.
"""

from lims.choices import Role
from lims.scoping import scope_of
from specimens.choices import OrderStatus

# Stand-in for the lifecycle's allowed_actions(order, user) until it lands: the states each
# order service accepts (services._lock_order's ``allowed``), for a phlebotomist of the site.
_BY_STATUS = {
    OrderStatus.OPEN: ("labels", "collect", "cancel"),
    OrderStatus.COLLECTED: ("labels", "collect", "process", "finalize", "cancel"),
    OrderStatus.PROCESSED: ("labels", "process", "finalize", "cancel"),
    OrderStatus.FINALIZED: ("labels", "unlock", "cancel"),
    OrderStatus.CANCELLED: ("restore",),
}


def order_actions(order, user) -> frozenset[str]:
    if not scope_of(user).has_role(order.site_id, [Role.PHLEBOTOMIST]):
        return frozenset()
    return frozenset(_BY_STATUS[order.status])
