-- cluster_levels from the changes computed in Python: a report's cluster (the id of its root
-- report) for every threshold at or below min_confidence, until its next row.
WITH numbered AS (
    SELECT rix, fiu, report_id FROM _cluster_reports
    UNION ALL
    SELECT rix, fiu, report_id FROM _cluster_extra
)
INSERT INTO cluster_levels
SELECT n.fiu, n.report_id, c.min_confidence, root.fiu || ':' || root.report_id
FROM _cluster_changes AS c
JOIN numbered AS n USING (rix)
JOIN numbered AS root ON root.rix = c.root;
