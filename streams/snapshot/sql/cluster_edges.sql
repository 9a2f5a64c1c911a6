-- Report-token links for clustering, one per sighting. A hot token links nothing (token NULL),
-- but its reports still get a cluster of their own.
SELECT
    s.fiu,
    s.report_id,
    CASE WHEN h.token IS NULL THEN s.token END AS token
FROM sightings AS s
LEFT JOIN (SELECT DISTINCT m.token FROM matches AS m WHERE m.status = 'hot') AS h ON h.token = s.token;
