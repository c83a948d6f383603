// First load into an empty graph: shared values of one label, each created with the links from every entity
// that uses it (found by the node id its creation returned; ``nodes[i]`` uses it by ``records[i]``). One writer creates every value, so none is
// created twice, and no uniqueness constraint is checked per node: the load builds them afterwards.
UNWIND $rows AS row
CREATE (v:__LABEL__ {key: row.key})
SET v.value = row.value,
    v.currency = row.currency,
    v.degree = row.degree,
    v.members = row.members,
    v.specificity = row.specificity,
    v.superNode = row.superNode,
    v.loadId = $loadId
WITH v, row
UNWIND range(0, size(row.nodes) - 1) AS i
MATCH (e) WHERE id(e) = row.nodes[i]
CREATE (e)-[:__REL__ {records: row.records[i], loadId: $loadId}]->(v)
