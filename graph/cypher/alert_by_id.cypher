// One alert by id.
MATCH (a:Alert {id: $id})
RETURN a {.*} AS alert
