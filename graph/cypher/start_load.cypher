// Mark a load as started; a load without completedAt did not finish.
MERGE (l:Load {id: $loadId})
SET l.runId = $runId, l.startedAt = datetime(), l.status = 'running'
