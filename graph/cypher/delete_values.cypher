// Remove shared values of one label that nothing points at any more (users and children gone).
UNWIND $keys AS key
MATCH (v:__LABEL__ {key: key})
WHERE NOT EXISTS { (v)<--() }
DETACH DELETE v
