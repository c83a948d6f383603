// Remove nodes of one label by key property id (entities, records, listings) with their relationships.
UNWIND $keys AS key
MATCH (n:__LABEL__ {id: key})
DETACH DELETE n
