// Keep each re-screened customer's decision and reasons, the baseline the next load compares with; CLEAR is
// kept as no node at all.
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.decision <> 'CLEAR'
  MERGE (s:CustomerScreening {id: row.id})
  SET s.decision = row.decision, s.reasons = row.reasons, s.listedIds = row.listedIds, s.loadId = $loadId
}
CALL (row) {
  WITH row WHERE row.decision = 'CLEAR'
  MATCH (s:CustomerScreening {id: row.id})
  DELETE s
}
