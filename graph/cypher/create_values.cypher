// First load into an empty graph: create shared values of one label.
UNWIND $rows AS row
CREATE (v:__LABEL__ {key: row.key})
SET v.value = row.value,
    v.kind = row.kind,
    v.degree = row.degree,
    v.members = row.members,
    v.specificity = row.specificity,
    v.superNode = row.superNode,
    v.loadId = $loadId
