"""CSV and JSON Lines for what auditors export (``?format=csv|jsonl``): small answers rendered
whole, and CSV exports of a whole filtered result streamed row by row, in constant memory."""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Rows read from the database at a time while streaming: what bounds an export's memory.
CHUNK_ROWS = 1000


class CSVRenderer(BaseRenderer):
    """Renders a short list of rows whole; also what makes ``?format=csv`` an accepted format
    for a view that streams its export with ``stream_csv``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not data:
            return b""
        return "".join(csv_lines(data, list(data[0]))).encode(self.charset)


def wants_csv(request) -> bool:
    return getattr(request.accepted_renderer, "format", None) == CSVRenderer.format


def csv_lines(rows: Iterable[Mapping], fields: Sequence[str]) -> Iterator[str]:
    """A header line, then one line per row (nested values as compact JSON)."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\n")
    writer.writerow(fields)
    yield line.take()
    for row in rows:
        writer.writerow([_cell(row.get(field)) for field in fields])
        yield line.take()


def stream_csv(rows: Iterable[Mapping], *, fields: Sequence[str], filename: str):
    """An attachment streaming ``rows`` as CSV; ``rows`` should be lazy (a generator over a
    queryset's ``iterator()``), so that no more than a chunk is ever held."""
    response = StreamingHttpResponse(csv_lines(rows, fields), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stream_queryset_csv(queryset: QuerySet, serializer_class, *, filename: str, context=None):
    """The whole of ``queryset`` as a CSV stream, each object as ``serializer_class`` renders it
    (its fields are the columns): one query, read CHUNK_ROWS objects at a time."""
    serializer = serializer_class(context=context or {})
    return stream_csv(
        _rows(queryset, serializer), fields=list(serializer.fields), filename=filename
    )


def _rows(queryset: QuerySet, serializer) -> Iterator[Mapping]:
    """Each object as ``serializer`` renders it, a chunk at a time; a serializer that reads
    something per chunk (``prepare_chunk(objects)``) does so once per chunk, not per row."""
    objects = queryset.iterator(chunk_size=CHUNK_ROWS)
    prepare = getattr(serializer, "prepare_chunk", None)
    while chunk := list(islice(objects, CHUNK_ROWS)):
        if prepare is not None:
            prepare(chunk)
        yield from (serializer.to_representation(obj) for obj in chunk)


class _Line(io.StringIO):
    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


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
