// Upsert sanctions listings and attach each to the entity its record resolves to.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
MERGE (s:Sanction {id: row.id})
SET s.authority = row.authority,
    s.program = row.program,
    s.listName = row.listName,
    s.listedOn = row.listedOn,
    s.reference = row.reference,
    s.recordId = row.recordId,
    s.source = row.source,
    s.loadId = $loadId
WITH s, e
OPTIONAL MATCH (other:Entity)-[moved:HAS_SANCTION]->(s)
WHERE other.id <> e.id
DELETE moved
MERGE (e)-[:HAS_SANCTION]->(s)
