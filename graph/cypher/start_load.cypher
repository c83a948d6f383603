// Mark the load of a resolution run as started; a load without completedAt did not finish.
// Keyed by run: loading the same run again updates this node rather than adding one.
MERGE (l:Load {id: $runId})
SET l.loadId = $loadId, l.startedAt = datetime(), l.status = 'running'
REMOVE l.completedAt
