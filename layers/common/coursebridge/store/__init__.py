"""DynamoDB access, one module per record kind. Access patterns: docs/DATA.md."""
