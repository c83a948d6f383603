// Entities whose names the full-text index finds for the plain words of a touched listed name (the words path),
// customers marked. One row per entity found, with the keys and listed parties of the seeds that found it. A seed
// found in $limit rows is asked again with a larger limit (``alert_reach._every_hit``).
UNWIND $seeds AS seed
CALL db.index.fulltext.queryNodes($index, seed.query, {limit: $limit}) YIELD node
WITH node, collect(seed.key) AS keys, collect(seed.id) AS listedIds
RETURN node.id AS id, node.name AS name, node:CustomerAccount AS customer, keys, listedIds
