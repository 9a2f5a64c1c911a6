"""Kafka edges: the embedded broker, topic administration, producer/consumer helpers."""
