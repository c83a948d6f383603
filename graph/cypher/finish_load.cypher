// Mark a load as complete, with what it wrote.
MATCH (l:Load {id: $runId})
SET l.completedAt = datetime(), l.status = 'complete', l.entities = $entities, l.records = $records
