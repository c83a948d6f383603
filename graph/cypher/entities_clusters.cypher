// The exposed clusters of some entities (screening: the users of an applicant's values).
UNWIND $ids AS entityId
MATCH (:Entity {id: entityId})-[:IN_CLUSTER]->(c:InfraCluster)
WHERE c.exposed
RETURN entityId, c {.*} AS cluster
