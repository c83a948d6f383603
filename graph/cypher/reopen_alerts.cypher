// A reason a load closed (a delisting) is back (relisted): its alert opens again, with the new decision.
UNWIND $rows AS row
MATCH (a:Alert {id: row.id})
WHERE a.status = 'CLOSED' AND a.closedBy = $system
SET a += row.props, a.status = 'OPEN', a.closedBy = null, a.closedReason = null, a.closedAt = null,
    a.updatedAt = $now, a.history = a.history + [row.event], a.loadId = $loadId
