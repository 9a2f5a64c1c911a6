-- The FIU's hits and possible hits from its reports in the cluster of one report (report_clusters:
-- reports joined through shared non-hot tokens, computed when the snapshot was published). One
-- scan instead of one per hop; the caller walks them from the start report.
-- A cluster of more than $max_reports reports gives no rows (the caller walks hop by hop).
WITH cluster AS (
    SELECT r.fiu, r.report_id
    FROM report_clusters AS r
    WHERE r.cluster_id = (SELECT c.cluster_id FROM report_clusters AS c
                          WHERE c.fiu = $start_fiu AND c.report_id = $start_id)
), members AS (
    SELECT report_id FROM cluster
    WHERE fiu = $fiu AND (SELECT count(*) FROM cluster) <= $max_reports
)
SELECT n.match_id, n.recipient_report_id, n.counterpart_fiu, n.counterpart_report_id,
       n.match_kind, n.confidence, n.type
FROM notifications AS n
WHERE n.recipient_fiu = $fiu
  AND n.type IN ('hit', 'possible_hit')
  AND n.counterpart_report_id IS NOT NULL
  AND n.recipient_report_id IN (SELECT report_id FROM members);
