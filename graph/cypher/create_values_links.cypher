// First load into an empty graph: create shared values of one label, each linked from the entities that use
// it (one value seek fewer per link than creating the links apart).
UNWIND $rows AS row
CREATE (v:__LABEL__ {key: row.key})
SET v.value = row.value,
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
