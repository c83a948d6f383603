// The shortest paths between two entities through the given relationship types (no super-nodes).
MATCH (a:Entity {id: $fromId})
MATCH (b:Entity {id: $toId})
MATCH p = SHORTEST __K__ (a)(()-[r]-(x) WHERE type(r) IN $types AND NOT coalesce(x.superNode, false)){1,__MAX_HOPS__}(b)
RETURN [n IN nodes(p) | {labels: labels(n), id: n.id, key: n.key, name: coalesce(n.name, n.value, n.key), listed: n.listed, schema: n.schema,
                         specificity: n.specificity, confidence: n.confidence, degree: n.degree}] AS nodes,
       [r IN relationships(p) | {type: type(r), share: r.share, score: r.score, records: r.records,
                                 fromNode: coalesce(startNode(r).id, startNode(r).key),
                                 toNode: coalesce(endNode(r).id, endNode(r).key)}] AS rels
