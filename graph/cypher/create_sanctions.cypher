// First load into an empty graph: create listings on their entities.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
CREATE (s:Sanction {id: row.id})
SET s.authority = row.authority,
    s.program = row.program,
    s.listName = row.listName,
    s.listedOn = row.listedOn,
    s.reference = row.reference,
    s.recordId = row.recordId,
    s.source = row.source,
    s.loadId = $loadId
CREATE (e)-[:HAS_SANCTION]->(s)
