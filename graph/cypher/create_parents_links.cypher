// First load into an empty graph, once the uniqueness constraints are built: the wider values (an e-mail's
// domain, an IP's network), each with the links from its members. A domain may already be a value of its own
// (a website), so it is merged, with the same properties merge_values gives it.
UNWIND $rows AS row
MERGE (p:__PARENT__ {key: row.key})
SET p.value = row.value,
    p.degree = coalesce(row.degree, p.degree),
    p.members = coalesce(row.members, p.members),
    p.specificity = row.specificity,
    p.superNode = row.superNode,
    p.loadId = $loadId
WITH p, row
UNWIND row.children AS child
MATCH (v:__LABEL__ {key: child})
CREATE (v)-[:__REL__ {loadId: $loadId}]->(p)
