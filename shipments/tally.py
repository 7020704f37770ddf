"""The triggers that keep each shipment's receipt tally (``ReceiptTally``) in step with its
manifest lines and discrepancies, on PostgreSQL and SQLite: a tally row made with its shipment,
and a line's count moved whenever a line is written, whoever writes it."""

from shipments.choices import DiscrepancyKind, ReceiptStatus

TALLY = "shipments_receipttally"
ITEMS = "shipments_shipmentitem"
DISCREPANCIES = "shipments_discrepancy"
SHIPMENTS = "shipments_shipment"
# A line's receipt status names its column; a line taken out before dispatch counts nowhere.
COUNTED = [
    ReceiptStatus.PENDING,
    ReceiptStatus.RECEIVED,
    ReceiptStatus.DAMAGED,
    ReceiptStatus.MISSING,
]
UNEXPECTED = DiscrepancyKind.UNEXPECTED


def _item_moved(row: str, sign: str) -> str:
    """An UPDATE of the tally counting (sign "+") or uncounting ("-") the line ``row``."""
    moves = ", ".join(
        f"{status} = {status} {sign} CASE WHEN {row}.receipt_status = '{status}' THEN 1 ELSE 0 END"
        for status in COUNTED
    )
    return f"UPDATE {TALLY} SET {moves} WHERE shipment_id = {row}.shipment_id"


def _unexpected_moved(row: str, sign: str) -> str:
    return (
        f"UPDATE {TALLY} SET unexpected = unexpected {sign} "
        f"CASE WHEN {row}.kind = '{UNEXPECTED}' THEN 1 ELSE 0 END "
        f"WHERE shipment_id = {row}.shipment_id"
    )


def _opened(row: str) -> str:
    """The new shipment's tally row, every count at 0."""
    columns = [*COUNTED, "unexpected"]
    zeros = ", ".join(["0"] * len(columns))
    return f"INSERT INTO {TALLY} (shipment_id, {', '.join(columns)}) VALUES ({row}.id, {zeros})"


# (trigger, table, event, body statements); OLD rows uncount and NEW rows count.
_TRIGGERS = [
    ("shipments_tally_opened", SHIPMENTS, "INSERT", [_opened("NEW")]),
    ("shipments_tally_line_added", ITEMS, "INSERT", [_item_moved("NEW", "+")]),
    (
        "shipments_tally_line_changed",
        ITEMS,
        "UPDATE OF receipt_status, shipment_id",
        [_item_moved("OLD", "-"), _item_moved("NEW", "+")],
    ),
    ("shipments_tally_line_deleted", ITEMS, "DELETE", [_item_moved("OLD", "-")]),
    ("shipments_tally_discrepancy_added", DISCREPANCIES, "INSERT", [_unexpected_moved("NEW", "+")]),
    (
        "shipments_tally_discrepancy_changed",
        DISCREPANCIES,
        "UPDATE OF kind, shipment_id",
        [_unexpected_moved("OLD", "-"), _unexpected_moved("NEW", "+")],
    ),
    (
        "shipments_tally_discrepancy_deleted",
        DISCREPANCIES,
        "DELETE",
        [_unexpected_moved("OLD", "-")],
    ),
]

# Existing shipments' tallies, counted once when the triggers are installed.
_BACKFILL = f"""
INSERT INTO {TALLY} (shipment_id, {", ".join(COUNTED)}, unexpected)
SELECT s.id,
    {
    ", ".join(
        f"(SELECT COUNT(*) FROM {ITEMS} i WHERE i.shipment_id = s.id "
        f"AND i.receipt_status = '{status}')"
        for status in COUNTED
    )
},
    (SELECT COUNT(*) FROM {DISCREPANCIES} d WHERE d.shipment_id = s.id AND d.kind = '{UNEXPECTED}')
FROM {SHIPMENTS} s
"""


def install_statements(vendor: str) -> list[str]:
    statements = []
    for name, table, event, body in _TRIGGERS:
        if vendor == "postgresql":
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                + "; ".join(body)
                + "; RETURN NULL; END $$ LANGUAGE plpgsql",
                f"CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ]
        elif vendor == "sqlite":
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} "
                f"BEGIN {'; '.join(body)}; END"
            )
        else:
            raise NotImplementedError(f"receipt tally triggers are not written for {vendor}")
    return [*statements, _BACKFILL]


def remove_statements(vendor: str) -> list[str]:
    statements = []
    for name, table, _event, _body in _TRIGGERS:
        if vendor == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


def install_on(connection) -> None:
    """The triggers, and the tallies of the shipments that exist."""
    with connection.cursor() as cursor:
        for statement in install_statements(connection.vendor):
            cursor.execute(statement)


def remove_from(connection) -> None:
    with connection.cursor() as cursor:
        for statement in remove_statements(connection.vendor):
            cursor.execute(statement)


def install(apps, schema_editor) -> None:
    install_on(schema_editor.connection)


def remove(apps, schema_editor) -> None:
    remove_from(schema_editor.connection)
