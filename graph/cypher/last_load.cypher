// The most recent completed load.
MATCH (l:Load)
WHERE l.status = 'complete'
RETURN l.id AS loadId, l.runId AS runId, toString(l.completedAt) AS completedAt
ORDER BY l.id DESC
LIMIT 1
