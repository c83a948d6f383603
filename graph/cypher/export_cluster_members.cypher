// A page of clusters after $after (by ID), each member with the cluster's exposure: the clusters export.
MATCH (c:InfraCluster)
WHERE c.id > $after
WITH c ORDER BY c.id LIMIT $limit
MATCH (c)<-[:IN_CLUSTER]-(e:Entity)
RETURN c.id AS cluster, c.size AS size, c.score AS score, c.exposed AS exposed, e.id AS entity
ORDER BY cluster, entity
