// The list entries of listed parties (a delisted entry stays, marked, with its listings): what changed is told
// from them. A listing's id is its record's id and a number.
UNWIND $ids AS entityId
MATCH (r:Record)-[:RESOLVES_TO]->(e:Entity {id: entityId})
WHERE EXISTS { MATCH (e)-[:HAS_SANCTION]->(s:Sanction) WHERE s.id STARTS WITH r.id + '#' }
RETURN e.id AS entityId, r.id AS recordId, r.source AS source, r.sourceVersion AS sourceVersion,
       r.removedIn AS removedIn
