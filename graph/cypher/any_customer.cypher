// Whether the graph holds any customer at all (without customers ongoing screening has nothing to do).
MATCH (c:CustomerAccount)
RETURN c.id AS id
LIMIT 1
