// Upsert links from entities to the values they use, with the records that state them.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
MATCH (v:__LABEL__ {key: row.key})
MERGE (e)-[link:__REL__]->(v)
SET link.records = row.records,
    link.loadId = $loadId
