-- One FIU's notifications, newest first. A NULL parameter is no filter.
SELECT n.notification_id, n.match_id, n.type, n.recipient_report_id, n.counterpart_fiu,
       n.counterpart_report_id, n.match_kind, n.confidence, n.purpose, n.restrictions, n.created_at
FROM notifications AS n
WHERE n.recipient_fiu = $fiu
  AND ($type::VARCHAR IS NULL OR n.type = $type)
  AND ($kind::VARCHAR IS NULL OR n.match_kind = $kind)
  AND ($min_confidence::DOUBLE IS NULL OR n.confidence >= $min_confidence)
  AND ($since::TIMESTAMPTZ IS NULL OR n.created_at >= $since)
  AND ($until::TIMESTAMPTZ IS NULL OR n.created_at < $until)
ORDER BY n.created_at DESC, n.notification_id
LIMIT $limit OFFSET $offset;
