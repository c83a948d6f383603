// Clusters the current run no longer has.
UNWIND $ids AS clusterId
MATCH (c:InfraCluster {id: clusterId})
DETACH DELETE c
