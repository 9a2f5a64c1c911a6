-- Links one FIU knows of that touch the given reports: its hits and possible hits (its report ->
-- the counterpart's), where its report is among $own or the counterpart's among $theirs.
SELECT n.match_id, n.recipient_report_id, n.counterpart_fiu, n.counterpart_report_id,
       n.match_kind, n.confidence, n.type
FROM notifications AS n
WHERE n.recipient_fiu = $fiu
  AND n.type IN ('hit', 'possible_hit')
  AND n.counterpart_report_id IS NOT NULL
  AND (list_contains($own, n.recipient_report_id)
       OR list_contains($theirs, n.counterpart_fiu || ':' || n.counterpart_report_id));
