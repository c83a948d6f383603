// One hop out from a frontier of shared values of one label; super-nodes only when asked.
// The pattern spells the network's relationship types (graph.analytics.NETWORK_RELS); $types narrows them.
UNWIND $keys AS valueKey
MATCH (n:__LABEL__ {key: valueKey})
WHERE $expandSuperNodes OR NOT coalesce(n.superNode, false)
CALL (n) {
  MATCH (n)-[r:ASSOCIATE_OF|DIRECTOR_OF|FAMILY_OF|INTERMEDIARY_OF|LINKED_TO|OFFICER_OF|OPERATES|OWNS|PARENT_OF|HAS_ADDRESS|HAS_DEVICE|HAS_DOMAIN|HAS_EMAIL|HAS_IDENTIFIER|HAS_IP|HAS_PAYMENT_INSTRUMENT|HAS_PHONE|HAS_WALLET|SIMILAR_ADDRESS|AT_DOMAIN|IN_NETWORK]-(m)
  WHERE type(r) IN $types
  RETURN r, m
  LIMIT $perNode
}
RETURN labels(n)[0] + ':' + n.key AS fromNode, type(r) AS type, startNode(r) = n AS outgoing,
       r.share AS share, r.role AS role, r.score AS score, r.records AS records,
       labels(m) AS labels, m.id AS id, m.key AS key, coalesce(m.name, m.value, m.key) AS name, m.schema AS schema,
       m.listed AS listed, m.degree AS degree, m.specificity AS specificity, m.superNode AS superNode
