// Link values to the wider value they belong to: an e-mail to its domain, an IP to its network.
UNWIND $rows AS row
MATCH (v:__LABEL__ {key: row.key})
MERGE (p:__PARENT__ {key: row.parentKey})
SET p.value = row.parentKey,
    p.kind = row.parentKind,
    p.members = row.members,
    p.specificity = row.specificity,
    p.superNode = row.superNode,
    p.loadId = $loadId
MERGE (v)-[link:__REL__]->(p)
SET link.loadId = $loadId
