// A page of shared values of one label (by key order), with the users of those strong enough to link.
MATCH (v:__LABEL__)
WHERE v.key > $after
WITH v ORDER BY v.key
LIMIT $batch
WITH v, coalesce(v.degree, 1) >= 2 AND NOT coalesce(v.superNode, false) AND coalesce(v.specificity, 0) >= $minWeight AS strong
RETURN v.key AS key, v.specificity AS weight, strong,
       CASE WHEN strong THEN COLLECT { MATCH (v)<-[]-(e:Entity) RETURN e.id } ELSE [] END AS entities
