"""Security: key authentication, Standard Webhooks signing, the outbound address guard, the KMS key vault and the strict JSON reader."""
