// Each customer's entities by its full-text name query, as ``screen_candidates_batch``'s full-text branch finds
// them (the same index, query and limit). $customers: [{key, nameQuery}].
UNWIND $customers AS c
CALL db.index.fulltext.queryNodes($index, c.nameQuery, {limit: $limit}) YIELD node
RETURN c.key AS customer, node.id AS id
