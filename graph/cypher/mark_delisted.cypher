// Records a newer list version no longer has: keep them, their entity and their listings, marked delisted.
UNWIND $rows AS row
MATCH (r:Record {id: row.id})
SET r.removedIn = row.removedIn, r.loadId = $loadId
WITH r, row
OPTIONAL MATCH (r)-[:RESOLVES_TO]->(e:Entity)
SET e.loadId = $loadId
WITH r, row, e
UNWIND row.sanctionIds AS sanctionId
MATCH (s:Sanction {id: sanctionId})
SET s.delistedIn = row.removedIn, s.loadId = $loadId
WITH DISTINCT e
WHERE e IS NOT NULL
SET e.listed = EXISTS { (e)-[:HAS_SANCTION]->(current:Sanction) WHERE current.delistedIn IS NULL }
