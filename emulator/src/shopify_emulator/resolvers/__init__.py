"""GraphQL resolvers, bound to the SDL by `shopify_emulator.graphql_schema`."""
