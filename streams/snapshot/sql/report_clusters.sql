-- report_clusters from the roots computed in Python: root is the smallest rix of the cluster.
INSERT INTO report_clusters
SELECT root.fiu || ':' || root.report_id AS cluster_id, r.fiu, r.report_id
FROM _cluster_reports AS r
JOIN _cluster_roots AS c USING (rix)
JOIN _cluster_reports AS root ON root.rix = c.root;
