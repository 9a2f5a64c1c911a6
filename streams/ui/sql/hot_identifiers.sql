-- The hottest identifiers (kind and spread only: the token says nothing to an operator).
SELECT match_kind, n_reports, n_fius, fius, hot_since
FROM hot_identifiers
ORDER BY n_reports DESC, hot_since
LIMIT 20;
