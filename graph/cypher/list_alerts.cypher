// A page of alerts of one status, newest first.
MATCH (a:Alert)
WHERE a.status = $status
RETURN a {.*} AS alert
ORDER BY a.createdAt DESC, a.id
SKIP $skip
LIMIT $limit
