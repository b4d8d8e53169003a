"""The composition root: the pipeline's passes, the scheduler's job table, `yuqing run`, status,
retention, the service lock and records, schema migrations and the demo."""
