// The most recent completed load.
MATCH (l:Load)
WHERE l.status = 'complete'
RETURN l.loadId AS loadId, l.id AS runId, toString(l.completedAt) AS completedAt
ORDER BY l.loadId DESC
LIMIT 1
