// Shortest paths from an entity to listed parties through relations and shared values (no super-nodes).
MATCH (start:Entity {id: $id})
USING INDEX start:Entity(id)
// The target's label is tested in WHERE, not in the pattern, so the planner never starts from a scan of
// every Entity: the walk always begins at the (index-seeked) start.
MATCH p = SHORTEST 1 (start)(()-[r]-(x) WHERE type(r) IN $types AND NOT coalesce(x.superNode, false)){1,__MAX_HOPS__}(target)
WHERE target:Entity AND target.listed AND target <> start
WITH p, target
ORDER BY length(p)
LIMIT $limit
RETURN target.id AS targetId,
       [n IN nodes(p) | {labels: labels(n), id: n.id, key: n.key, name: coalesce(n.name, n.value, n.key), listed: n.listed, schema: n.schema,
                         specificity: n.specificity, confidence: n.confidence, degree: n.degree}] AS nodes,
       [r IN relationships(p) | {type: type(r), share: r.share, score: r.score, records: r.records,
                                 fromNode: coalesce(startNode(r).id, startNode(r).key),
                                 toNode: coalesce(endNode(r).id, endNode(r).key)}] AS rels
