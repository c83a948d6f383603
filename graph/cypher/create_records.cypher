// First load into an empty graph: create records, each pointing at its entity with the merge evidence.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
CREATE (r:Record {id: row.id})
SET r.source = row.source,
    r.sourceKey = row.sourceKey,
    r.sourceVersion = row.sourceVersion,
    r.schema = row.schema,
    r.name = row.name,
    r.names = row.names,
    r.data = row.data,
    r.loadId = $loadId
CREATE (r)-[:RESOLVES_TO {matchProbability: row.matchProbability, matchWeight: row.matchWeight,
                          evidence: row.evidence}]->(e)
