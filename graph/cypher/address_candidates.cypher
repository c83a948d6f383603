// Address nodes whose keys share the most words with a screened address (full-text), super-nodes left out.
CALL db.index.fulltext.queryNodes($index, $query, {limit: $limit}) YIELD node
WHERE NOT coalesce(node.superNode, false)
RETURN node.key AS key
