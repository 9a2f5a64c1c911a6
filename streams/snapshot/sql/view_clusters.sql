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
