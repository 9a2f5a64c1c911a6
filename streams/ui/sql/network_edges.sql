-- Links one FIU knows of: its hits and possible hits (its report -> the counterpart's) whose
-- report id on one side ($side: 'own' = its report, 'theirs' = the counterpart's) is in $ids.
-- The caller keeps the rows whose counterpart FIU matches too (ids alone are faster to compare).
SELECT n.match_id, n.recipient_report_id, n.counterpart_fiu, n.counterpart_report_id,
       n.match_kind, n.confidence, n.type
FROM notifications AS n
WHERE n.recipient_fiu = $fiu
  AND n.type IN ('hit', 'possible_hit')
  AND n.counterpart_report_id IS NOT NULL
  AND (CASE WHEN $side = 'own' THEN n.recipient_report_id ELSE n.counterpart_report_id END)
      IN (SELECT unnest($ids::VARCHAR[]));
