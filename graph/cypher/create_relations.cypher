// First load into an empty graph: relations of one type between entities.
UNWIND $rows AS row
MATCH (a:Entity {id: row.fromId})
MATCH (b:Entity {id: row.toId})
CREATE (a)-[r:__REL__]->(b)
SET r.records = row.records,
    r.share = row.share,
    r.role = row.role,
    r.startDate = row.startDate,
    r.endDate = row.endDate,
    r.loadId = $loadId
