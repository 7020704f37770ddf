"""CSV and JSON Lines rendering for list answers that auditors export (``?format=csv|jsonl``)."""

import csv
import io
import json

from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        rows = data.get("results", []) if isinstance(data, dict) else data
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _cell(value) for key, value in row.items()})
        return out.getvalue().encode(self.charset)


def _cell(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return "" if value is None else str(value)


class JSONLinesRenderer(BaseRenderer):
    """One JSON object a line, so that a tool can read an export a record at a time."""

    media_type = "application/jsonl"
    format = "jsonl"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        rows = data.get("results", []) if isinstance(data, dict) else data
        lines = (json.dumps(row, cls=JSONEncoder, ensure_ascii=False) + "\n" for row in rows)
        return "".join(lines).encode(self.charset)
