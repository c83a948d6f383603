// Upsert source records and (re)point each at the entity it resolves to, with the merge evidence.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
MERGE (r:Record {id: row.id})
SET r.source = row.source,
    r.sourceKey = row.sourceKey,
    r.sourceVersion = row.sourceVersion,
    r.schema = row.schema,
    r.name = row.name,
    r.names = row.names,
    r.data = row.data,
    r.loadId = $loadId
WITH r, e, row
OPTIONAL MATCH (r)-[moved:RESOLVES_TO]->(other:Entity)
WHERE other.id <> row.entityId
DELETE moved
MERGE (r)-[link:RESOLVES_TO]->(e)
SET link.matchProbability = row.matchProbability,
    link.matchWeight = row.matchWeight,
    link.evidence = row.evidence
