// Who else uses each customer's values in a batch, and how close each of them is to a listed party: the rows
// ``screen_exposure`` gives for one customer, in its order (its own limit of users), each user's shortest path
// searched once. $customers: [{key, values}].
UNWIND $customers AS c
CALL (c) {
  UNWIND c.values AS value
  CALL (value) {
    MATCH (v:Email {key: value.key}) WHERE value.label = 'Email' RETURN v
    UNION
    MATCH (v:Phone {key: value.key}) WHERE value.label = 'Phone' RETURN v
    UNION
    MATCH (v:Domain {key: value.key}) WHERE value.label = 'Domain' RETURN v
    UNION
    MATCH (v:IPAddress {key: value.key}) WHERE value.label = 'IPAddress' RETURN v
    UNION
    MATCH (v:IPNetwork {key: value.key}) WHERE value.label = 'IPNetwork' RETURN v
    UNION
    MATCH (v:Wallet {key: value.key}) WHERE value.label = 'Wallet' RETURN v
    UNION
    MATCH (v:PaymentInstrument {key: value.key}) WHERE value.label = 'PaymentInstrument' RETURN v
    UNION
    MATCH (v:Device {key: value.key}) WHERE value.label = 'Device' RETURN v
    UNION
    MATCH (v:Address {key: value.key}) WHERE value.label = 'Address' RETURN v
    UNION
    MATCH (v:Identifier {key: value.key}) WHERE value.label = 'Identifier' RETURN v
  }
  WITH value, v
  WHERE NOT coalesce(v.superNode, false)
  MATCH (v)<-[]-(user:Entity)
  WITH value, v, user
  LIMIT $limit
  // Each distinct user's shortest path once (a customer is a user of every one of its values), then every row.
  WITH collect({value: value, v: v, user: user}) AS rows, collect(DISTINCT user) AS users
  CALL (users) {
    UNWIND users AS user
    OPTIONAL CALL (user) {
      MATCH p = SHORTEST 1 (user)(()-[r]-(x) WHERE type(r) IN $types AND NOT coalesce(x.superNode, false)){1,__MAX_HOPS__}(listed)
      WHERE listed:Entity AND listed.listed AND listed <> user
      RETURN p
      LIMIT 1
    }
    RETURN collect({user: user, p: p}) AS paths
  }
  UNWIND rows AS row
  WITH row.value AS value, row.v AS v, row.user AS user, [x IN paths WHERE x.user = row.user][0].p AS p
  RETURN value.label AS label, v.key AS key, coalesce(v.value, v.key) AS value, v.specificity AS specificity,
         value.score AS matchScore,
         v.degree AS degree,
         user.id AS userId, user.name AS userName, user.schema AS userSchema, user.listed AS userListed,
         user.indicatorScore AS userIndicatorScore, user.indicators AS userIndicators,
         CASE WHEN p IS NULL THEN null ELSE
           {nodes: [n IN nodes(p) | {labels: labels(n), id: n.id, key: n.key, name: coalesce(n.name, n.value, n.key),
                                     listed: n.listed, schema: n.schema, specificity: n.specificity,
                                     confidence: n.confidence}],
            rels: [r IN relationships(p) | {type: type(r), share: r.share, score: r.score, records: r.records,
                                            fromNode: coalesce(startNode(r).id, startNode(r).key),
                                            toNode: coalesce(endNode(r).id, endNode(r).key)}]}
         END AS path
}
RETURN c.key AS customer, label, key, value, specificity, matchScore, degree, userId, userName, userSchema, userListed,
       userIndicatorScore, userIndicators, path
