// Relations of an entity to other entities (both directions), one page at a time.
MATCH (e:Entity {id: $id})
CALL (e) {
  MATCH (e)-[r]-(other:Entity)
  WHERE type(r) IN $types
  RETURN r, other
  ORDER BY type(r), other.id
  SKIP $skip
  LIMIT $limit
}
RETURN type(r) AS type, startNode(r) = e AS outgoing, r.share AS share, r.role AS role, r.records AS records,
       r.startDate AS startDate, r.endDate AS endDate,
       other.id AS id, other.name AS name, other.schema AS schema, other.listed AS listed
