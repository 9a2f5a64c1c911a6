"""The analyst's workbench (``fiulink ui``): a web application over the latest published snapshot.

``users`` (logins, hashed), ``snapshots`` (the latest snapshot, read-only), ``views`` (the
queries behind each page), ``web`` (the Starlette application), ``command`` (``fiulink ui``).
"""

__all__: list[str] = []
