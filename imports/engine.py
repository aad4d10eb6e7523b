"""The import engine shared by every resource: all-or-nothing, row-level Thai errors, bulk writes.

A resource (in each app's ``resources.py``) declares its columns and how to save cleaned
rows. The engine reads the file, maps the header, parses and validates every row, and only
if no row has a problem writes everything in one transaction with an audit batch.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.context import acting
from audit.models import ImportBatch, Source
from audit.services import record_bulk

from .files import FileRejected, read_table

_registry: dict[str, "Resource"] = {}


def register(cls):
    _registry[cls.name] = cls()
    return cls


def get_resource(name: str) -> "Resource":
    try:
        return _registry[name]
    except KeyError:
        raise KeyError(
            _("Unknown resource %(name)s. Choose one of: %(names)s")
            % {"name": name, "names": ", ".join(sorted(_registry))}
        ) from None


def resources() -> list["Resource"]:
    return [_registry[k] for k in sorted(_registry)]


class CellError(ValueError):
    """A cell's value is wrong; the message (Thai) says why."""


@dataclass
class Column:
    key: str
    label: str  # lazy translation; the Thai label is shown in templates and accepted as header
    parse: callable = None
    required: bool = True
    default: object = None
    help: str = ""

    def clean(self, raw):
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in ("", None):
            if self.required:
                raise CellError(_("This value is required."))
            return self.default
        if isinstance(raw, str) and raw.startswith(("=", "@")):
            raise CellError(_("Formulas are not allowed in imported data."))
        return self.parse(raw) if self.parse else str(raw)


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    batch: ImportBatch | None = None
    rows: int = 0

    @property
    def ok(self):
        return not self.errors

    def counts_line(self):
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


class Resource:
    """Base for an import resource. Subclasses set name, label, model, columns, key."""

    name: str
    label: str
    model = None
    key: str | None = None  # the column that identifies an existing row; None = always add
    columns: list[Column] = []
    max_errors = 200

    def header_aliases(self) -> dict[str, str]:
        aliases = {}
        for col in self.columns:
            aliases[col.key.lower()] = col.key
            for lang in ("th", "en"):
                with translation.override(lang):
                    aliases[str(col.label).strip().lower()] = col.key
        return aliases

    def prepare(self, user, rows: list[dict]):
        """Load what validation needs in a few queries. Returns a context object."""
        return {}

    def validate(self, ctx, row: dict, number: int, errors: list[RowError]):
        """Cross-field and database checks for one parsed row; append RowErrors."""

    def save(self, ctx, rows: list[dict], *, write: bool) -> tuple[int, int, int]:
        """Create/update the rows (when write) and return (created, updated, unchanged)."""
        raise NotImplementedError


# ---------------------------------------------------------------- helpers for resources

CHUNK = 5000  # codes per ``__in`` lookup
SAVE_CHUNK = 2000  # rows per bulk statement


def chunks(values, size=CHUNK):
    """``values`` as lists of at most ``size``: for ``__in`` lookups and bulk writes."""
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def by_code(queryset, codes, field="code") -> dict:
    """The objects of ``queryset`` whose ``field`` is one of ``codes``, by that field."""
    out = {}
    for chunk in chunks(codes):
        out.update({getattr(obj, field): obj for obj in queryset.filter(**{f"{field}__in": chunk})})
    return out


def code_rows(model, codes, field="code", values=("pk", "code")) -> dict:
    """``values`` tuples of the rows whose ``field`` is one of ``codes``, by their second value."""
    out = {}
    for chunk in chunks(codes):
        for row in model.objects.filter(**{f"{field}__in": chunk}).values_list(*values):
            out[row[1]] = row
    return out


def editable_codes(model, user, codes, field="code") -> set:
    """Those of ``codes`` (values of ``field``) the user may change; all of them for an import
    without a user (``manage.py import_data`` without ``--user``)."""
    qs = model.objects.all() if user is None else model.objects.editable_by(user)
    out = set()
    for chunk in chunks(codes):
        out.update(qs.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return out


def check_code(errors, number, column, code, known, allowed, messages) -> bool:
    """Whether ``code`` is ``known`` and ``allowed`` (inside the user's area); if not, the
    first or second of ``messages`` (lazy translations taking ``%(code)s``) as the row's error
    on ``column``."""
    if code not in known:
        errors.append(RowError(number, column, str(messages[0]) % {"code": code}))
    elif code not in allowed:
        errors.append(RowError(number, column, str(messages[1]) % {"code": code}))
    else:
        return True
    return False


def reserve_ids(cursor, table: str, count: int) -> list[int]:
    """PostgreSQL: ``count`` new ids from the id sequence of ``table``, for rows written by
    ``copy_csv`` with their ids (and audited with them)."""
    cursor.execute(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
        [count],
    )
    return [r[0] for r in cursor.fetchall()]


def copy_csv(cursor, table: str, columns, rows, not_null=()) -> None:
    """PostgreSQL: COPY ``rows`` (lists of cells) into ``columns`` of ``table`` as CSV, several
    times faster than INSERTs. ``not_null``: text columns whose empty cells are "" (not NULL)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    force = f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else ""
    cursor.cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{force})", buffer
    )


class BulkChanges:
    """The objects a resource creates and updates, written in bulk with an audit entry each
    (``record_bulk``), and the count of rows that changed nothing."""

    def __init__(self, model):
        self.model = model
        self.created, self.updated, self.changes = [], [], []
        self.unchanged = 0

    def create(self, obj):
        self.created.append(obj)
        self.changes.append(("create", obj, None))

    def update(self, obj, before):
        """``obj`` changed; ``before`` is its ``audit.registry.snapshot`` before the change."""
        self.updated.append(obj)
        self.changes.append(("update", obj, before))

    def keep(self):
        self.unchanged += 1

    def write(self, fields):
        """Insert the new objects, update ``fields`` of the changed ones, audit them all."""
        self.model.objects.bulk_create(self.created, batch_size=SAVE_CHUNK)
        self.model.objects.bulk_update(self.updated, fields, batch_size=SAVE_CHUNK)
        record_bulk(self.model, self.changes)

    def counts(self) -> tuple[int, int, int]:
        """(created, updated, unchanged), what ``Resource.save`` returns."""
        return len(self.created), len(self.updated), self.unchanged


def _map_header(resource: Resource, header: list) -> tuple[list[str | None], list[RowError]]:
    aliases = resource.header_aliases()
    keys, errors = [], []
    for index, cell in enumerate(header, start=1):
        text = str(cell or "").strip().lstrip("\ufeff")
        match = re.search(r"\(([a-z_]+)\)\s*$", text)  # template headers: "ชื่อ (name)"
        key = aliases.get((match.group(1) if match else text).lower())
        if text and key is None:
            errors.append(
                RowError(1, text, _("Unknown column header (column %(n)s).") % {"n": index})
            )
        keys.append(key)
    for col in resource.columns:
        if col.required and col.key not in keys:
            errors.append(RowError(1, col.key, _("The header lacks this required column.")))
    dupes = {k for k in keys if k and keys.count(k) > 1}
    errors += [RowError(1, k, _("The column appears more than once.")) for k in sorted(dupes)]
    return keys, errors


def parse_file(resource: Resource, data: bytes, file_name: str):
    """Parse every row. Returns (rows as dicts with "_row", errors)."""
    errors: list[RowError] = []
    try:
        table = read_table(data, file_name)
        first = next(table, None)
        if first is None:
            return [], [RowError(1, "-", _("The file is empty."))]
        keys, errors = _map_header(resource, first[1])
        if errors:
            return [], errors
        columns = {c.key: c for c in resource.columns}
        rows, seen = [], {}
        for number, values in table:
            if not any(str(v).strip() for v in values):
                continue
            row = {"_row": number}
            for key, raw in zip(keys, values, strict=False):
                if key is None:
                    continue
                try:
                    row[key] = columns[key].clean(raw)
                except CellError as exc:
                    errors.append(RowError(number, key, str(exc)))
            for col in resource.columns:
                row.setdefault(col.key, col.default)
            if resource.key and row.get(resource.key) is not None:
                ident = row[resource.key]
                if ident in seen:
                    errors.append(
                        RowError(
                            number,
                            resource.key,
                            _("Duplicate of row %(row)s in this file.") % {"row": seen[ident]},
                        )
                    )
                seen[ident] = number
            rows.append(row)
            if len(errors) >= resource.max_errors:
                break
        if not rows and not errors:
            errors.append(RowError(2, "-", _("The file has a header but no data rows.")))
    except FileRejected as exc:
        return [], [RowError(1, "-", str(exc))]
    return rows, errors


def run_import(
    resource_name: str,
    data: bytes,
    file_name: str,
    *,
    user=None,
    dry_run: bool = False,
    source: str = Source.IMPORT,
    preview_rows: int = 20,
) -> ImportResult:
    """Validate a whole file and, unless ``dry_run`` or any row is wrong, write it all."""
    resource = get_resource(resource_name)
    rows, errors = parse_file(resource, data, file_name)
    result = ImportResult(errors=errors, rows=len(rows))
    if errors:
        return result
    ctx = resource.prepare(user, rows)
    for row in rows:
        resource.validate(ctx, row, row["_row"], result.errors)
        if len(result.errors) >= resource.max_errors:
            break
    result.preview = [{k: v for k, v in r.items() if k != "_row"} for r in rows[:preview_rows]]
    if result.errors:
        return result
    if dry_run:
        result.created, result.updated, result.unchanged = resource.save(ctx, rows, write=False)
        return result
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            resource=resource.name,
            file_name=file_name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            user=user,
            source=source,
            status=ImportBatch.Status.DONE,
        )
        with acting(user=user, source=Source.IMPORT, batch=batch):
            result.created, result.updated, result.unchanged = resource.save(ctx, rows, write=True)
        batch.created_count, batch.updated_count = result.created, result.updated
        batch.unchanged_count, batch.finished_at = result.unchanged, timezone.now()
        batch.save()
    result.batch = batch
    return result
