SELECT from_fiu, to_fiu, hits, consent_requests, notifications FROM exchange_matrix ORDER BY from_fiu, to_fiu;
