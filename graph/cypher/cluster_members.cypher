// A page of a cluster's members, by entity ID, with what the API's Entity type shows.
MATCH (c:InfraCluster {id: $id})<-[:IN_CLUSTER]-(e:Entity)
WITH e ORDER BY e.id SKIP $skip LIMIT $limit
RETURN e.id AS id, e.name AS name, e.schema AS schema, e.aliases AS aliases, e.listed AS listed,
       e.countries AS countries, e.birthDates AS birthDates, e.recordCount AS recordCount, e.sources AS sources,
       e.nameDetails AS nameDetails, e.identifiers AS identifiers
