// Customers in id order, a page at a time (a full re-screen walks them all).
MATCH (e:CustomerAccount)
WHERE e.id > $after
RETURN e.id AS id
ORDER BY e.id
LIMIT $limit
