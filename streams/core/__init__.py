"""The pure matching core: validation, identifiers, tokens, correlation, sharing policy.

Imports none of faust, aiokafka, kafka, fastavro or duckdb (a test checks)."""
