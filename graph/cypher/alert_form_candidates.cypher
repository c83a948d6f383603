// Customers whose name forms are near a form of a listed party's name the load touched: the customers-only
// full-text index of forms (whitespace-split), each form a fuzzy term. One row per customer found, with the keys
// and listed parties of the seeds that found it (a common name is found by many: one row, not one per seed). A
// seed found in $limit rows is asked again with a larger limit (``alert_reach._every_hit``).
UNWIND $seeds AS seed
CALL db.index.fulltext.queryNodes($index, seed.query, {limit: $limit}) YIELD node
WITH node, collect(seed.key) AS keys, collect(seed.id) AS listedIds
RETURN node.id AS id, node.nameForms AS forms, keys, listedIds
