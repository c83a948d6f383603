// Sanctions listings of entities, in one round trip.
UNWIND $ids AS entityId
MATCH (e:Entity {id: entityId})-[:HAS_SANCTION]->(s:Sanction)
RETURN e.id AS entityId, s.id AS id, s.authority AS authority, s.program AS program, s.listName AS listName,
       s.listedOn AS listedOn, s.reference AS reference, s.recordId AS recordId, s.source AS source,
       s.delistedIn AS delistedIn
ORDER BY entityId, s.id
