// The neighbourhood of an entity (by ID, following a retired ID) or of a shared value (by key), up to two
// hops, in one round trip: the start node, then per hop what each node expands to (at most $perNode each;
// from an entity the most specific first). The second hop expands every new, non-super node of the first.
// The pattern spells the network's relationship types (graph.analytics.NETWORK_RELS, checked by a test), so
// an expansion never reads a node's records or listings; $types narrows them.
// An entity start has a null $key (the __START__ seek, any value label, then finds nothing); a value start
// has a null $id.
CALL () {
  OPTIONAL MATCH (retired:RetiredEntity {id: $id})
  WITH coalesce(retired.successor, $id) AS entityId
  MATCH (s:Entity {id: entityId})
  RETURN s
  UNION
  MATCH (s:__START__ {key: $key})
  RETURN s
}
WITH s LIMIT 1
CALL (s) {
  CALL (s) {
    WITH s AS n WHERE n:Entity
    MATCH (n)-[r:ASSOCIATE_OF|DIRECTOR_OF|FAMILY_OF|INTERMEDIARY_OF|LINKED_TO|OFFICER_OF|OPERATES|OWNS|PARENT_OF|HAS_ADDRESS|HAS_DEVICE|HAS_DOMAIN|HAS_EMAIL|HAS_IDENTIFIER|HAS_IP|HAS_PAYMENT_INSTRUMENT|HAS_PHONE|HAS_WALLET|SIMILAR_ADDRESS|AT_DOMAIN|IN_NETWORK]-(m)
    WHERE type(r) IN $types AND (m:Entity OR coalesce(m.specificity, 1.0) >= $minConfidence)
    WITH n, r, m ORDER BY coalesce(m.specificity, 1.0) DESC LIMIT $perNode
    RETURN n, r, m
    UNION ALL
    WITH s AS n WHERE NOT n:Entity
    MATCH (n)-[r:ASSOCIATE_OF|DIRECTOR_OF|FAMILY_OF|INTERMEDIARY_OF|LINKED_TO|OFFICER_OF|OPERATES|OWNS|PARENT_OF|HAS_ADDRESS|HAS_DEVICE|HAS_DOMAIN|HAS_EMAIL|HAS_IDENTIFIER|HAS_IP|HAS_PAYMENT_INSTRUMENT|HAS_PHONE|HAS_WALLET|SIMILAR_ADDRESS|AT_DOMAIN|IN_NETWORK]-(m)
    WHERE type(r) IN $types
    WITH n, r, m LIMIT $perNode
    RETURN n, r, m
  }
  RETURN collect(m) AS reached,
         collect({type: type(r), outgoing: startNode(r) = n, share: r.share, role: r.role, score: r.score, records: r.records,
                  labels: labels(m), id: m.id, key: m.key, name: coalesce(m.name, m.value, m.key), schema: m.schema,
                  listed: m.listed, degree: m.degree, specificity: m.specificity, superNode: m.superNode}) AS hop1
}
CALL (s, reached) {
  UNWIND reached AS f
  WITH DISTINCT f
  WHERE $depth >= 2 AND f <> s AND NOT coalesce(f.superNode, false)
  CALL (f) {
    WITH f AS n WHERE n:Entity
    MATCH (n)-[r:ASSOCIATE_OF|DIRECTOR_OF|FAMILY_OF|INTERMEDIARY_OF|LINKED_TO|OFFICER_OF|OPERATES|OWNS|PARENT_OF|HAS_ADDRESS|HAS_DEVICE|HAS_DOMAIN|HAS_EMAIL|HAS_IDENTIFIER|HAS_IP|HAS_PAYMENT_INSTRUMENT|HAS_PHONE|HAS_WALLET|SIMILAR_ADDRESS|AT_DOMAIN|IN_NETWORK]-(m)
    WHERE type(r) IN $types AND (m:Entity OR coalesce(m.specificity, 1.0) >= $minConfidence)
    WITH n, r, m ORDER BY coalesce(m.specificity, 1.0) DESC LIMIT $perNode
    RETURN n, r, m
    UNION ALL
    WITH f AS n WHERE NOT n:Entity
    MATCH (n)-[r:ASSOCIATE_OF|DIRECTOR_OF|FAMILY_OF|INTERMEDIARY_OF|LINKED_TO|OFFICER_OF|OPERATES|OWNS|PARENT_OF|HAS_ADDRESS|HAS_DEVICE|HAS_DOMAIN|HAS_EMAIL|HAS_IDENTIFIER|HAS_IP|HAS_PAYMENT_INSTRUMENT|HAS_PHONE|HAS_WALLET|SIMILAR_ADDRESS|AT_DOMAIN|IN_NETWORK]-(m)
    WHERE type(r) IN $types
    WITH n, r, m LIMIT $perNode
    RETURN n, r, m
  }
  RETURN collect({fromNode: CASE WHEN n:Entity THEN 'Entity:' + n.id ELSE labels(n)[0] + ':' + n.key END,
                  type: type(r), outgoing: startNode(r) = n, share: r.share, role: r.role, score: r.score, records: r.records,
                  labels: labels(m), id: m.id, key: m.key, name: coalesce(m.name, m.value, m.key), schema: m.schema,
                  listed: m.listed, degree: m.degree, specificity: m.specificity, superNode: m.superNode}) AS hop2
}
RETURN labels(s) AS labels, s.id AS id, s.key AS key, s.name AS name, s.schema AS schema, s.listed AS listed,
       CASE WHEN s:Entity THEN null ELSE coalesce(s.degree, 1) END AS degree, s.specificity AS specificity,
       coalesce(s.superNode, false) AS superNode, hop1, hop2
