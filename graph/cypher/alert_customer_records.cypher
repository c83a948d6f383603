// The current records (canonical JSON) of customers, to screen them as an applicant would be.
UNWIND $ids AS entityId
MATCH (r:Record)-[:RESOLVES_TO]->(e:Entity {id: entityId})
WHERE r.removedIn IS NULL
RETURN e.id AS entityId, r.id AS recordId, r.data AS data
