"""Sanctions lists: reading them (OFAC SDN advanced XML, simple CSV/TSV), turning their
addresses into wallet tokens, diffing a new load against the watchlist, and screening."""
