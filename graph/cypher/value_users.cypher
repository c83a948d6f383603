// One shared value by its key, with the entities that use it (a page of them).
// A super-node (a VPN IP, a webmail domain) gives its degree only: sorting all its users was a full scan.
MATCH (v:__LABEL__ {key: $key})
CALL (v) {
  WITH v WHERE NOT coalesce(v.superNode, false)
  MATCH (v)<-[r]-(o:Entity)
  WITH o ORDER BY o.listed DESC, o.id LIMIT $perValue
  RETURN collect({id: o.id, name: o.name, listed: o.listed, schema: o.schema}) AS others
}
RETURN labels(v)[0] AS label, v.key AS key, coalesce(v.value, v.key) AS value, coalesce(v.degree, 1) AS degree,
       v.specificity AS specificity, coalesce(v.superNode, false) AS superNode, others
