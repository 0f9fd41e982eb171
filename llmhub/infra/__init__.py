"""Infrastructure under the request path: the database executor with group commit, SQLite WAL
checkpoints off the request path, and the pooled upstream HTTP client."""
