// Upsert shared-infrastructure values of one kind and link each to the entities that use it.
UNWIND $rows AS row
MATCH (e:Entity {id: row.entityId})
MERGE (v:__LABEL__ {key: row.key})
SET v.value = row.value,
    v.kind = row.kind,
    v.degree = row.degree,
    v.specificity = row.specificity,
    v.superNode = row.superNode,
    v.loadId = $loadId
MERGE (e)-[link:__REL__]->(v)
SET link.records = row.records,
    link.loadId = $loadId
