-- The handling of the FIU's own reports among the given ids.
SELECT r.report_id, r.submitted_at, r.typologies, r.sharing, r.restrictions
FROM reports AS r
WHERE r.fiu = $fiu AND list_contains($report_ids, r.report_id);
