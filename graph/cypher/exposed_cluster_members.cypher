// Every member of an exposed cluster (``graph.exposure_reach``: a user whose values can expose a customer).
MATCH (e:Entity)-[:IN_CLUSTER]->(c:InfraCluster)
WHERE c.exposed
RETURN DISTINCT e.id AS id
