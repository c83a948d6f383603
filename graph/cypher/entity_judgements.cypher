// Analysts' judgements about the records of an entity (each with the other record it is about).
MATCH (e:Entity {id: $id})<-[:RESOLVES_TO]-(r:Record)-[j:JUDGED]-(other:Record)
OPTIONAL MATCH (other)-[:RESOLVES_TO]->(otherEntity:Entity)
RETURN r.id AS recordId, other.id AS otherRecordId, otherEntity.id AS otherEntityId, otherEntity.name AS otherName,
       j.judgement AS judgement, j.note AS note, j.author AS author, j.at AS at
ORDER BY at DESC
LIMIT $limit
