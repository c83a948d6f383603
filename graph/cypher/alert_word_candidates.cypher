// Customers whose names the full-text index finds for the plain words of a touched listed name (the words path).
UNWIND $seeds AS seed
CALL db.index.fulltext.queryNodes($index, seed.query, {limit: $limit}) YIELD node
WITH seed, node
WHERE node:CustomerAccount
RETURN seed.id AS listedId, node.id AS id, node.name AS name
