"""API of the specimen core."""
