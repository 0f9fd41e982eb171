"""The ledger's per-request statements in plain SQL, for SQLite and PostgreSQL alike.

These run twice on every request (hold, then settle); through the ORM they cost several times more
than the rest of the gateway (measured in bench/gateway_bench.py). Every other ledger read and write
stays in the ORM. Callers hold the transaction and the team's row lock, and pass one cursor for all of
a transaction's statements.

Statements go straight to the driver's cursor, with the SQL already in its parameter style and errors
still translated to Django's. Only when something watches queries (DEBUG's query log, a test's
CaptureQueriesContext, an execute wrapper) do they take Django's cursor path, so the watcher sees them.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import sqlite3
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.backends.utils import CursorWrapper

from billing.models import CreditHold, CreditLedgerEntry, Team, UsageRecord
from billing.money import to_usd

TEAM = Team._meta.db_table
HOLD = CreditHold._meta.db_table
USAGE = UsageRecord._meta.db_table
LEDGER = CreditLedgerEntry._meta.db_table
# The usage row's columns come from the model: a field added to UsageRecord (and to UsageDraft, which a
# test checks) is written here with no further change.
USAGE_FIELDS = [f for f in UsageRecord._meta.concrete_fields if not f.primary_key]
USAGE_COLUMNS = [str(f.column) for f in USAGE_FIELDS]
INSERT_USAGE = (
    f"INSERT INTO {USAGE} ({', '.join(USAGE_COLUMNS)}) VALUES ({', '.join(['%s'] * len(USAGE_COLUMNS))}) RETURNING id"
)


@functools.cache
def _native(sql: str, vendor: str) -> str:
    """The statement in the driver's parameter style (sqlite3 takes ?, psycopg takes %s)."""
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


def execute(cursor: CursorWrapper, sql: str, params: list[Any]) -> Any:
    """Run one statement on the transaction's cursor; returns the driver's cursor for fetching."""
    db = cursor.db
    if db.queries_logged or db.execute_wrappers:
        cursor.execute(sql, params)
        return cursor
    raw = cursor.cursor
    with db.wrap_database_errors:
        if db.vendor == "sqlite":
            # Django's sqlite3 cursor subclass would rewrite every statement's placeholders with a regex.
            sqlite3.Cursor.execute(raw, _native(sql, "sqlite"), params)
        else:
            raw.execute(sql, params)
    return raw


def money(value: Any) -> Decimal:
    """A stored amount as Decimal (SQLite hands back a float of at most 15 significant digits)."""
    return to_usd(Decimal(str(value)))


def _time(moment: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def _json(value: Any) -> Any:
    return None if value is None else connection.ops.adapt_json_value(value, DjangoJSONEncoder)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{to_usd(value):f}"


def lock_team(cursor: CursorWrapper, team_id: int) -> tuple[Decimal, Decimal, Decimal | None]:
    """Balance, reserved and low-balance threshold, with the row locked (SQLite: the transaction's lock)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT balance, reserved, low_balance_threshold FROM {TEAM} WHERE id = %s{lock}"
    row = execute(cursor, sql, [team_id]).fetchone()
    if row is None:
        raise Team.DoesNotExist(f"team {team_id}")
    return money(row[0]), money(row[1]), None if row[2] is None else money(row[2])


def set_team_money(cursor: CursorWrapper, team_id: int, *, balance: Decimal, reserved: Decimal) -> None:
    sql = f"UPDATE {TEAM} SET balance = %s, reserved = %s WHERE id = %s"
    execute(cursor, sql, [f"{balance:f}", f"{reserved:f}", team_id])


def hold_exists(cursor: CursorWrapper, request_id: str) -> bool:
    return execute(cursor, f"SELECT 1 FROM {HOLD} WHERE request_id = %s", [request_id]).fetchone() is not None


def insert_hold(cursor: CursorWrapper, *, request_id: str, team_id: int, amount: Decimal, now: dt.datetime,
                expires_at: dt.datetime, budget_spends: list[int], user_id: int | None, key_id: int | None,
                meter: Any) -> None:  # fmt: skip
    """Insert a hold with its metering facts (`meter` is a ledger.HoldMeter)."""
    execute(
        cursor,
        f"INSERT INTO {HOLD} (request_id, team_id, amount, created_at, expires_at, budget_spends, user_id, key_id, "
        "source, model_requested, model_served, provider, stream, prompt_tokens, completion_tokens, cost, seen_at, "
        "client_tool, dropped) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s)",
        [
            request_id, team_id, f"{amount:f}", _time(now), _time(expires_at), _json(budget_spends), user_id, key_id,
            meter.source, meter.model_requested, meter.model_served, meter.provider, meter.stream,
            meter.prompt_tokens, f"{to_usd(meter.cost):f}", _time(now), meter.client_tool, meter.dropped,
        ],
    )  # fmt: skip


def take_hold(cursor: CursorWrapper, request_id: str) -> tuple[Decimal, list[int]] | None:
    """Delete a request's hold and return its amount and budget counters, or None if it has none."""
    sql = f"DELETE FROM {HOLD} WHERE request_id = %s RETURNING amount, budget_spends"
    row = execute(cursor, sql, [request_id]).fetchone()
    if row is None:
        return None
    spends = row[1]
    if isinstance(spends, str):
        spends = CreditHold._meta.get_field("budget_spends").from_db_value(spends, None, connection)  # type: ignore[arg-type]  # the stubs want an Expression; Django accepts None
    return money(row[0]), list(spends or [])


def _usage_param(field: Any) -> Any:
    """How one usage column's value reaches the driver (None: as it is)."""
    if isinstance(field, models.DateTimeField):
        return _time
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.DecimalField):
        return _amount
    return None


USAGE_PARAMS = [(f.attname, _usage_param(f)) for f in USAGE_FIELDS]
_USAGE_VALUES = operator.attrgetter(*(name for name, _ in USAGE_PARAMS))  # every value in one call
_USAGE_ADAPTERS = [adapt for _, adapt in USAGE_PARAMS]


def usage_params(settled: Any) -> list[Any]:
    """The usage row's parameters, in column order, from a settled draft (it has every field of USAGE_FIELDS)."""
    values = _USAGE_VALUES(settled)
    return [value if adapt is None else adapt(value) for value, adapt in zip(values, _USAGE_ADAPTERS, strict=True)]


def insert_usage(cursor: CursorWrapper, settled: Any) -> int:
    """Insert the usage record of a settled draft (a ledger.UsageDraft with its cost and time); returns its id."""
    return int(execute(cursor, INSERT_USAGE, usage_params(settled)).fetchone()[0])


def insert_charge(cursor: CursorWrapper, *, team_id: int, amount: Decimal, balance_after: Decimal, usage_id: int,
                  memo: str, now: dt.datetime) -> int:  # fmt: skip
    """Append the charge row of a usage record; returns its id."""
    sql = (
        f"INSERT INTO {LEDGER} (team_id, kind, amount, balance_after, usage_id, memo, created_by_id, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, NULL, %s) RETURNING id"
    )
    params = [team_id, CreditLedgerEntry.CHARGE, f"{amount:f}", f"{balance_after:f}", usage_id, memo, _time(now)]
    return int(execute(cursor, sql, params).fetchone()[0])
