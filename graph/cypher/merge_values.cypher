// Upsert shared values of one label (their degree and specificity change as users come and go).
UNWIND $rows AS row
MERGE (v:__LABEL__ {key: row.key})
SET v.value = row.value,
    v.currency = row.currency,
    v.degree = coalesce(row.degree, v.degree),
    v.members = coalesce(row.members, v.members),
    v.specificity = row.specificity,
    v.superNode = row.superNode,
    v.loadId = $loadId
