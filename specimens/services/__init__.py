"""Every write of the specimen core; each runs in one transaction and leaves custody and history.

Functions take the acting user and plain values, check the actor's role, and raise a domain
error (``specimens.errors``) with a stable code when they cannot do what was asked. This
package is the one import other apps, views and tests use.
"""

from specimens.services.checks import check_recorded_time, reason_from_list
from specimens.services.collection import order_collect, order_process
from specimens.services.notes import note_redact
from specimens.services.orders import (
    order_add_tubes,
    order_cancel,
    order_create,
    order_finalize,
    order_remove_tubes,
    order_restore,
    order_unlock,
    safety_refusals,
    tube_set_in_force,
)
from specimens.services.participants import (
    WITHDRAWAL_HOLD,
    participant_register,
    participant_withdraw,
)
from specimens.services.qc import specimens_flag_qc
from specimens.services.tubes import (
    specimen_aliquot,
    specimen_dispose,
    specimen_hold,
    specimen_release,
)
from specimens.services.weighing import Weighing, specimen_weigh, specimens_weigh

__all__ = [
    "WITHDRAWAL_HOLD",
    "Weighing",
    "check_recorded_time",
    "note_redact",
    "order_add_tubes",
    "order_cancel",
    "order_collect",
    "order_create",
    "order_finalize",
    "order_process",
    "order_remove_tubes",
    "order_restore",
    "order_unlock",
    "participant_register",
    "participant_withdraw",
    "reason_from_list",
    "safety_refusals",
    "specimen_aliquot",
    "specimen_dispose",
    "specimen_hold",
    "specimen_release",
    "specimen_weigh",
    "specimens_flag_qc",
    "specimens_weigh",
    "tube_set_in_force",
]
