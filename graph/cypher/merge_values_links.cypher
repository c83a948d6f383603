// First load into an empty graph, one of several concurrent writers: shared values of one label, each linked
// from the entities of this writer's partition that use it. A value used from several partitions is MERGEd by
// each (the first creates it, the others find it). Every writer's rows come in the same key order, so
// concurrent writers take the values' locks in one order (no deadlock), and never share an entity.
UNWIND $rows AS row
MERGE (v:__LABEL__ {key: row.key})
ON CREATE SET
    v.value = row.value,
    v.kind = row.kind,
    v.degree = row.degree,
    v.members = row.members,
    v.specificity = row.specificity,
    v.superNode = row.superNode,
    v.loadId = $loadId
WITH v, row
UNWIND row.users AS user
MATCH (e:Entity {id: user.entityId})
CREATE (e)-[:__REL__ {records: user.records, loadId: $loadId}]->(v)
