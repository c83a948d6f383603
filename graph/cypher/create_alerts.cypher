// Raise alerts. An alert's id is its customer and reason, so a reason raises one alert, never two.
UNWIND $rows AS row
MERGE (a:Alert {id: row.id})
ON CREATE SET a += row.props, a.status = 'OPEN', a.createdAt = $now, a.updatedAt = $now,
              a.history = [row.event], a.loadId = $loadId
