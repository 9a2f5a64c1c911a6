-- Clusters of two or more reports joined transitively through shared (non-hot) tokens, across any
-- number of hops and FIUs. report_clusters (cluster_id, fiu, report_id) is computed when the
-- snapshot is published (connected components, streams/snapshot/clusters.py).
CREATE OR REPLACE VIEW clusters AS
SELECT
    c.cluster_id,
    count(*)                                      AS n_reports,
    count(DISTINCT c.fiu)                         AS n_fius,
    list_sort(list_distinct(list(c.fiu)))         AS fius,
    list_sort(list(c.fiu || ':' || c.report_id))  AS reports
FROM report_clusters AS c
GROUP BY c.cluster_id
HAVING count(*) >= 2;

-- The clusters when fuzzy entity links (person / organization) of confidence at least `threshold`
-- join reports as well: SELECT * FROM clusters_at(0.9). clusters_at(1.0) adds only fuzzy links
-- scored 1.0; the rows of cluster_levels say where a report's cluster changes.
CREATE OR REPLACE MACRO clusters_at(threshold) AS TABLE
WITH levels AS (
    SELECT fiu, report_id, 'infinity'::DOUBLE AS min_confidence, cluster_id FROM report_clusters
    UNION ALL
    SELECT fiu, report_id, min_confidence, cluster_id FROM cluster_levels
), current AS (
    SELECT fiu, report_id, arg_min(cluster_id, min_confidence) AS cluster_id
    FROM levels
    WHERE min_confidence >= threshold
    GROUP BY fiu, report_id
)
SELECT
    c.cluster_id,
    count(*)                                      AS n_reports,
    count(DISTINCT c.fiu)                         AS n_fius,
    list_sort(list_distinct(list(c.fiu)))         AS fius,
    list_sort(list(c.fiu || ':' || c.report_id))  AS reports
FROM current AS c
GROUP BY c.cluster_id
HAVING count(*) >= 2;
