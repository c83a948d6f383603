// Analysts' same / not-same decisions between records, so screening can honour them.
UNWIND $rows AS row
MATCH (a:Record {id: row.recordA})
MATCH (b:Record {id: row.recordB})
MERGE (a)-[j:JUDGED]->(b)
SET j.judgement = row.judgement,
    j.note = row.note,
    j.author = row.author,
    j.at = row.at,
    j.loadId = $loadId
