// Remove links from entities to values they no longer use.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})-[link:__REL__]->(v:__LABEL__ {key: row.key})
DELETE link
