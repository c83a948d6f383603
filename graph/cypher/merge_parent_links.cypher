// Link values to the wider value they belong to: an e-mail to its domain, an IP to its network.
UNWIND $rows AS row
MATCH (v:__LABEL__ {key: row.key})
MATCH (p:__PARENT__ {key: row.parentKey})
MERGE (v)-[link:__REL__]->(p)
SET link.loadId = $loadId
