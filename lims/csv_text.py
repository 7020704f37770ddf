"""CSV text from instruments (rack readers, data loggers) read into rows, or a 400 naming the
line that cannot be read."""

import csv
import io

from lims.errors import InvalidInput


class UnreadableCSV(InvalidInput):
    code = "unreadable_csv"
    title = "The CSV file cannot be read"


def csv_rows(text: str, *, delimiter: str = ",") -> list[list[str]]:
    """Every row of ``text``; a field over the csv module's limit (131,072 characters) or a
    malformed quote is refused with its line number instead of escaping as a server error."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:
        problem = f"Line {reader.line_num}: {error}."
        raise UnreadableCSV(
            f"The file cannot be read as CSV. {problem} Nothing was stored.",
            errors={"file": [problem]},
        ) from None
