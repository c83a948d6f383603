"""GraphQL API (graphene) over the graph store, served by Starlette/uvicorn."""
