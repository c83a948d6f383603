// Customers whose last screening named one of these listed parties (a delisting must re-screen them).
MATCH (s:CustomerScreening)
WHERE $all OR any(x IN s.listedIds WHERE x IN $ids)
RETURN s.id AS id
