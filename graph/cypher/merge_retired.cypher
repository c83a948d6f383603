// Entity IDs merged into others: kept so that old links still resolve.
UNWIND $rows AS row
MERGE (x:RetiredEntity {id: row.id})
SET x.successor = row.successor, x.loadId = $loadId
