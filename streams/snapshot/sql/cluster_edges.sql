-- Clustering input, as integers. _cluster_reports numbers every report seen in a sighting
-- (rix, in (fiu, report_id) order, so the smallest rix of a cluster is its smallest report).
-- The query returns (rix, tix) for each sighting of a token held by two or more reports,
-- ordered by token: a hot token links nothing, and a token of one report cannot link.
CREATE OR REPLACE TEMP TABLE _cluster_reports AS
SELECT fiu, report_id, (row_number() OVER (ORDER BY fiu, report_id) - 1)::INTEGER AS rix
FROM (SELECT DISTINCT fiu, report_id FROM sightings);

CREATE OR REPLACE TEMP TABLE _cluster_roots (rix INTEGER NOT NULL, root INTEGER NOT NULL);

WITH hot AS (
    SELECT DISTINCT token FROM matches WHERE status = 'hot' AND token IS NOT NULL
), shared AS (
    SELECT token FROM sightings
    WHERE token NOT IN (SELECT token FROM hot)
    GROUP BY token
    HAVING count(*) >= 2
)
SELECT r.rix, dense_rank() OVER (ORDER BY s.token)::INTEGER AS tix
FROM sightings AS s
JOIN shared USING (token)
JOIN _cluster_reports AS r USING (fiu, report_id)
ORDER BY tix;
