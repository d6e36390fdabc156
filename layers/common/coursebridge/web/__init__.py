"""Server-rendered pages and HTTP response shapes."""
