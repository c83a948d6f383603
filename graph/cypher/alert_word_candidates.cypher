// Entities whose names the full-text index finds for the plain words of a touched listed name (the words path),
// customers marked. Rows carry the seed's key (a seed that returns $limit rows is asked again with a larger one:
// ``alert_reach._every_hit``).
UNWIND $seeds AS seed
CALL db.index.fulltext.queryNodes($index, seed.query, {limit: $limit}) YIELD node
RETURN seed.key AS key, seed.id AS listedId, node.id AS id, node.name AS name, node:CustomerAccount AS customer
