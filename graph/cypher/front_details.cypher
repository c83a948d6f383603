// Facts about candidate fronts that do not involve the listed party: mass addresses, nominee officers.
UNWIND $ids AS candidateId
MATCH (c:Entity {id: candidateId})
OPTIONAL MATCH (c)-[:HAS_ADDRESS]->(a:Address)
WITH c, max(a.degree) AS addressDegree, collect(coalesce(a.value, a.key))[0] AS busiestAddress
OPTIONAL MATCH (c)<-[:DIRECTOR_OF|OFFICER_OF]-(o:Entity)
WITH c, addressDegree, busiestAddress, o,
     CASE WHEN o IS NULL THEN 0 ELSE COUNT { (o)-[:DIRECTOR_OF|OFFICER_OF]->(:Entity) } END AS seats
WITH c, addressDegree, busiestAddress, max(seats) AS officerSeats,
     collect(CASE WHEN seats >= $nomineeSeats THEN o.name END) AS nominees
RETURN c.id AS id, addressDegree, busiestAddress, officerSeats, nominees
