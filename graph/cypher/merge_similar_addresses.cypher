// Link near-identical addresses (``graph.similar_addresses``), one direction, with how surely they are one place.
UNWIND $rows AS row
MATCH (a:Address {key: row.a})
MATCH (b:Address {key: row.b})
MERGE (a)-[r:__REL__]->(b)
SET r.score = row.score, r.loadId = $loadId
