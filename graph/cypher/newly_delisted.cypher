// The entities of records a load is about to mark delisted for the first time: ongoing screening starts there.
UNWIND $ids AS recordId
MATCH (r:Record {id: recordId})-[:RESOLVES_TO]->(e:Entity)
WHERE r.removedIn IS NULL
RETURN DISTINCT e.id AS id
