"""The event pipeline: intake of 7stamp webhooks, enrichment, fan-out, queue jobs, delivery, parked records and the Lambda handlers."""
