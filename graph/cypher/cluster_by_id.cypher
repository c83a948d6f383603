// One cluster by its ID.
MATCH (c:InfraCluster {id: $id})
RETURN c {.*} AS cluster
