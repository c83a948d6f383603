// The canonical records (as JSON) of some records, for screening candidates not yet in the feature cache.
UNWIND $ids AS recordId
MATCH (r:Record {id: recordId})
RETURN r.id AS id, r.data AS data, r.loadId AS loadId
