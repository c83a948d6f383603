// Upsert links from entities to the values they use, with the records that state them: ``record`` when
// one does (nearly always), ``records`` when several do; the other is removed.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
MATCH (v:__LABEL__ {key: row.key})
MERGE (e)-[link:__REL__]->(v)
SET link.record = row.record,
    link.records = row.records,
    link.loadId = $loadId
