"""Storage: one repository module per concern; DynamoDB item shapes never leave this package."""
