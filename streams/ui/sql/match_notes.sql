-- What one FIU was told about one match: its own notifications naming it.
SELECT n.notification_id, n.type, n.recipient_report_id, n.counterpart_fiu, n.counterpart_report_id,
       n.match_kind, n.token, n.confidence, n.purpose, n.restrictions, n.created_at,
       n.recipient_fields, n.agreement, n.message
FROM notifications AS n
WHERE n.recipient_fiu = $fiu AND n.match_id = $match_id
ORDER BY n.created_at, n.notification_id;
