// Every cluster's ID and the digest of what it holds: a load writes only the clusters whose digest changed.
MATCH (c:InfraCluster)
RETURN c.id AS id, c.digest AS digest
