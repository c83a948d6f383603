// The last screening of some customers (absent: CLEAR) and their alerts.
UNWIND $ids AS customerId
OPTIONAL MATCH (s:CustomerScreening {id: customerId})
OPTIONAL CALL (customerId) {
  MATCH (a:Alert {customerId: customerId})
  RETURN collect({id: a.id, status: a.status, closedBy: a.closedBy}) AS alerts
}
RETURN customerId AS id, s.decision AS decision, s.reasons AS reasons, alerts
