// Remove relations of one type that no record states any more.
UNWIND $rows AS row
MATCH (a:Entity {id: row.fromId})-[r:__REL__]->(b:Entity {id: row.toId})
DELETE r
