// Clusters ranked by exposure score, then size (``rank`` holds both), a page at a time.
MATCH (c:InfraCluster)
WHERE c.rank >= $minRank AND c.size >= $minSize
RETURN c {.*} AS cluster
ORDER BY c.rank DESC, c.id
SKIP $skip
LIMIT $limit
