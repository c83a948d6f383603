// Clusters that are new or changed: their properties, and their members' IN_CLUSTER links replaced.
UNWIND $rows AS row
MERGE (c:InfraCluster {id: row.id})
SET c = row.props
WITH c, row
CALL (c) {
  MATCH (c)<-[old:IN_CLUSTER]-()
  DELETE old
}
CALL (c, row) {
  UNWIND row.members AS memberId
  MATCH (e:Entity {id: memberId})
  CREATE (e)-[:IN_CLUSTER]->(c)
}
