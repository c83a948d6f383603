// Every listed entity (a load with no trusted state re-screens what the lists reach).
MATCH (e:Entity)
WHERE e.listed = true
RETURN e.id AS id
