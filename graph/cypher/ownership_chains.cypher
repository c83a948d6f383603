// Ownership chains ending at an entity: every owner up to a bounded depth, with the shares.
MATCH (target:Entity {id: $id})
MATCH p = (owner:Entity)-[:OWNS]->{1,__MAX_HOPS__}(target)
RETURN [n IN nodes(p) | {id: n.id, name: n.name, listed: n.listed}] AS chain,
       [r IN relationships(p) | r.share] AS shares
LIMIT $limit
