"""Request parsers for files that instruments write: CSV bodies arrive as text."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

# Larger than any logger or rack-scanner export; a bigger body is a mistake, not a file.
MAX_CSV_BYTES = 5 * 1024 * 1024


class CSVTextParser(BaseParser):
    """A ``text/csv`` body as one string (UTF-8, a byte-order mark dropped)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        raw = stream.read(MAX_CSV_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_CSV_BYTES:
            raise ParseError(f"A CSV file may have at most {MAX_CSV_BYTES // 1024 // 1024} MB.")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ParseError(f"The file is not UTF-8 text (byte {error.start}).") from None
