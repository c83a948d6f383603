// Ongoing screening: one hop of the walk from what a load touched towards customers (no super-nodes).
UNWIND $nodes AS nodeId
MATCH (n) WHERE elementId(n) = nodeId
MATCH (n)-[r]-(x)
WHERE type(r) IN $types AND NOT coalesce(x.superNode, false)
RETURN DISTINCT elementId(x) AS node, x:CustomerAccount AS customer, x.id AS id
