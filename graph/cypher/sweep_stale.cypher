// Delete, a batch at a time, nodes of one label that the current load did not write.
MATCH (n:__LABEL__)
WHERE n.loadId < $loadId
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS deleted
