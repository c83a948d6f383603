// The shared values some entities use (``graph.exposure_reach``: the values through which a customer can be exposed).
UNWIND $ids AS id
MATCH (:Entity {id: id})-[]->(v)
WHERE v.key IS NOT NULL
RETURN DISTINCT labels(v) AS labels, v.key AS key
