// First load into an empty graph: relations of one type between entities, found by their node ids.
UNWIND $rows AS row
MATCH (a) WHERE id(a) = row.fromNode
MATCH (b) WHERE id(b) = row.toNode
CREATE (a)-[r:__REL__]->(b)
SET r.records = row.records,
    r.share = row.share,
    r.role = row.role,
    r.startDate = row.startDate,
    r.endDate = row.endDate,
    r.loadId = $loadId
