// Source records of entities (one page per entity), with the evidence of their merge.
UNWIND $ids AS entityId
MATCH (e:Entity {id: entityId})
CALL (e) {
  MATCH (r:Record)-[link:RESOLVES_TO]->(e)
  RETURN r, link
  ORDER BY r.id
  SKIP $skip
  LIMIT $limit
}
RETURN e.id AS entityId, r.id AS id, r.source AS source, r.sourceKey AS sourceKey,
       r.sourceVersion AS sourceVersion, r.schema AS schema, r.name AS name, r.names AS names,
       link.matchProbability AS matchProbability, link.matchWeight AS matchWeight, link.evidence AS evidence
