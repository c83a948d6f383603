// For each of some addresses: the address nodes whose keys share the most words with it (full-text, as
// ``address_candidates`` for one), super-nodes left out. $queries: [{address, query}].
UNWIND $queries AS q
CALL (q) {
  CALL db.index.fulltext.queryNodes($index, q.query, {limit: $limit}) YIELD node
  WHERE NOT coalesce(node.superNode, false)
  RETURN node.key AS key
}
RETURN q.address AS address, key
