// The canonical records (as JSON) of a page of listed entities, with the entity's schema:
// the records nearly every screening hit is scored against, read when a server starts.
MATCH (e:Entity)
USING INDEX e:Entity(listed)
WHERE e.listed = true AND e.id > $after
WITH e
ORDER BY e.id
LIMIT $limit
MATCH (r:Record)-[:RESOLVES_TO]->(e)
WHERE r.removedIn IS NULL
RETURN e.id AS entityId, e.schema AS schema, r.id AS id, r.data AS data, r.loadId AS loadId
