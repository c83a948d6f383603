// One hop of a walk over relations and shared values, never into a super-node: ongoing screening's walk from
// what a load touched towards customers (``graph.alert_reach``), and from the lists towards whoever a customer's
// values can expose it to (``graph.exposure_reach``).
UNWIND $nodes AS nodeId
MATCH (n) WHERE elementId(n) = nodeId
MATCH (n)-[r]-(x)
WHERE type(r) IN $types AND NOT coalesce(x.superNode, false)
RETURN DISTINCT elementId(x) AS node, x:CustomerAccount AS customer, x:Entity AS entity, x.id AS id
