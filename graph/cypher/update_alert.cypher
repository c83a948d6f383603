// An analyst moves an alert (under review, closed with a note); the change is kept in its history.
MATCH (a:Alert {id: $id})
SET a.status = $status, a.updatedAt = $now, a.history = a.history + [$event],
    a.closedReason = CASE WHEN $status = 'CLOSED' THEN $note ELSE null END,
    a.closedBy = CASE WHEN $status = 'CLOSED' THEN $author ELSE null END,
    a.closedAt = CASE WHEN $status = 'CLOSED' THEN $now ELSE null END,
    a.note = coalesce($note, a.note)
RETURN a {.*} AS alert
