// Delete, a batch at a time, relationships of one type that the current load did not write.
MATCH ()-[r:__REL__]->()
WHERE r.loadId < $loadId
WITH r LIMIT $batch
DELETE r
RETURN count(*) AS deleted
