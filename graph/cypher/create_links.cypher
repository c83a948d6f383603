// First load into an empty graph: link entities to the values they use.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
MATCH (v:__LABEL__ {key: row.key})
CREATE (e)-[:__REL__ {records: row.records, loadId: $loadId}]->(v)
