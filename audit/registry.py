"""Which models are audited, and how a record is turned into a JSON snapshot."""

import datetime
import decimal

from django.db.models.fields.files import FieldFile

_audited: dict = {}


def register(model=None, *, exclude=()):
    """Class decorator: audit every create/update/delete of this model."""

    def wrap(cls):
        _audited[cls] = set(exclude)
        return cls

    return wrap(model) if model is not None else wrap


def is_audited(model) -> bool:
    return model in _audited


def _jsonable(value):
    if isinstance(value, FieldFile):  # a stored file (a product photo): its name
        return value.name or ""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return value


def snapshot(instance) -> dict:
    """Concrete field values, keyed by field name (foreign keys by their id)."""
    excluded = _audited.get(type(instance), set())
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded or field.primary_key and field.auto_created:
            continue
        data[field.name] = _jsonable(field.value_from_object(instance))
    return data


def diff(before: dict | None, after: dict | None):
    """Only the fields that changed, as two dicts."""
    before, after = before or {}, after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {
        k: after.get(k) for k in keys if k in after
    }
