// Close the alerts whose reason a load removed (a delisting, a link gone), with that reason.
UNWIND $rows AS row
MATCH (a:Alert {id: row.id})
WHERE a.status <> 'CLOSED'
SET a.status = 'CLOSED', a.closedReason = row.reason, a.closedBy = $system, a.closedAt = $now, a.updatedAt = $now,
    a.history = a.history + [row.event], a.loadId = $loadId
