"""Avro single-object encoding (``C3 01`` + CRC-64-AVRO fingerprint + body) with fastavro."""

from streams.codec.avro import Codec, codec, fingerprint

__all__ = ["Codec", "codec", "fingerprint"]
