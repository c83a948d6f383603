"""Reading and moving alerts, for the API and the CLI: a page of alerts, one alert, a status change."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from graph import answers
from graph.alerts import (
    AlertStatus,
    _now,
    path_from_json,
)
from graph.store import GraphStore
from sanctiongraph.errors import InvalidArgumentError, NotFoundError


@dataclass(slots=True)
class AlertView:
    id: str
    customer_id: str
    decision: str
    previous_decision: str
    reason: str
    path: answers.Path | None
    list_change: dict[str, str]
    created_at: str
    status: str
    level: str = ""
    listed_id: str = ""
    listed_name: str = ""
    updated_at: str = ""
    closed_reason: str | None = None
    closed_by: str | None = None
    closed_at: str | None = None
    note: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The CLI's shape (``sanctiongraph alerts --json``): the GraphQL field names."""
        return {
            "id": self.id,
            "customerId": self.customer_id,
            "decision": self.decision,
            "previousDecision": self.previous_decision,
            "reason": self.reason,
            "listedId": self.listed_id,
            "listedName": self.listed_name,
            "listChange": self.list_change,
            "createdAt": self.created_at,
            "status": self.status,
            "closedReason": self.closed_reason,
            "closedBy": self.closed_by,
            "path": [n.node_id for n in self.path.nodes] if self.path else None,
        }


def _view(row: dict[str, Any]) -> AlertView:
    return AlertView(
        id=row["id"],
        customer_id=row["customerId"],
        decision=row["decision"],
        previous_decision=row["previousDecision"],
        reason=row["reason"],
        path=path_from_json(row.get("path")),
        list_change={
            "source": row.get("source") or "",
            "version": row.get("version") or "",
            "kind": row.get("kind") or "",
        },
        created_at=row["createdAt"],
        status=row["status"],
        level=row.get("level") or "",
        listed_id=row.get("listedId") or "",
        listed_name=row.get("listedName") or "",
        updated_at=row.get("updatedAt") or "",
        closed_reason=row.get("closedReason"),
        closed_by=row.get("closedBy"),
        closed_at=row.get("closedAt"),
        note=row.get("note"),
        history=[json.loads(h) for h in row.get("history") or []],
    )


def list_alerts(
    store: GraphStore, status: str = AlertStatus.OPEN, *, skip: int = 0, limit: int = 50
) -> list[AlertView]:
    """A page of alerts of one status, newest first."""
    rows = store.read("list_alerts", {"status": str(AlertStatus(status)), "skip": skip, "limit": limit})
    return [_view(row["alert"]) for row in rows]


def get_alert(store: GraphStore, id: str) -> AlertView | None:
    rows = store.read("alert_by_id", {"id": id})
    return _view(rows[0]["alert"]) if rows else None


def update_alert(store: GraphStore, id: str, status: str, note: str | None, author: str) -> AlertView:
    """An analyst's move: under review, or closed (the note is the closing reason); kept in the history."""
    try:
        chosen = AlertStatus(status)
    except ValueError:
        raise InvalidArgumentError(f"status must be one of {[s.value for s in AlertStatus]}") from None
    if chosen is AlertStatus.CLOSED and not (note or "").strip():
        raise InvalidArgumentError("closing an alert needs a note: why it is closed")
    now = _now()
    event = json.dumps({"at": now, "status": str(chosen), "by": author, "note": note})
    rows = store.write_once(
        "update_alert", {"id": id, "status": str(chosen), "note": note, "author": author, "now": now, "event": event}
    )[1]
    if not rows:
        raise NotFoundError(f"no alert {id}")
    return _view(rows[0]["alert"])
