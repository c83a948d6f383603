// The shared values an entity uses, each with the other entities that use it (a few of them).
// A super-node (a VPN IP, a webmail domain) gives its degree only: sorting all its users was a full scan.
MATCH (e:Entity {id: $id})-[r]->(v)
WHERE type(r) IN $types
CALL (v, e) {
  WITH v, e WHERE NOT coalesce(v.superNode, false)
  MATCH (v)<-[r2]-(o:Entity)
  WHERE o <> e AND type(r2) IN $types
  WITH o ORDER BY o.listed DESC, o.id LIMIT $perValue
  RETURN collect({id: o.id, name: o.name, listed: o.listed, schema: o.schema}) AS others
}
RETURN labels(v)[0] AS label, v.key AS key, coalesce(v.value, v.key) AS value, coalesce(v.degree, 1) AS degree,
       v.specificity AS specificity, coalesce(v.superNode, false) AS superNode, others
ORDER BY specificity DESC, key
SKIP $skip
LIMIT $limit
