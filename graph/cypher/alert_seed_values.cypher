// Ongoing screening: the shared values of one label a load touched, as walk starts (a super-node never is).
UNWIND $keys AS key
MATCH (v:__LABEL__ {key: key})
WHERE NOT coalesce(v.superNode, false)
RETURN elementId(v) AS node
