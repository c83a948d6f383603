// Customers whose name forms are near a form of a listed party's name the load touched: the customers-only
// full-text index of forms (whitespace-split), each form a fuzzy term. Rows carry the seed's key (a seed that
// returns $limit rows is asked again with a larger one: ``alert_reach._every_hit``).
UNWIND $seeds AS seed
CALL db.index.fulltext.queryNodes($index, seed.query, {limit: $limit}) YIELD node
RETURN seed.key AS key, seed.id AS listedId, seed.name AS listedName, node.id AS id, node.nameForms AS forms
