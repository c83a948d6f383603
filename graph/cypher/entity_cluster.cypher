// The cluster an entity belongs to, if any.
MATCH (:Entity {id: $id})-[:IN_CLUSTER]->(c:InfraCluster)
RETURN c {.*} AS cluster
LIMIT 1
