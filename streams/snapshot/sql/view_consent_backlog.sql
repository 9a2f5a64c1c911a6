-- Consent requests still waiting: a consent_request notification (sent to the FIU whose report
-- would be revealed) with no later 'released' or 'refused' decision from that FIU on that match.
-- The age is measured from the request to the time of the query, in two units: age_seconds
-- (whole seconds, BIGINT) and age_hours (hours, DOUBLE).
CREATE OR REPLACE VIEW consent_backlog AS
SELECT
    n.match_id,
    n.recipient_fiu         AS fiu,
    n.recipient_report_id   AS report_id,
    n.counterpart_fiu       AS requesting_fiu,
    n.match_kind,
    n.notification_id,
    n.created_at            AS requested_at,
    date_diff('second', n.created_at, now())          AS age_seconds,
    date_diff('second', n.created_at, now()) / 3600.0 AS age_hours
FROM notifications AS n
WHERE n.type = 'consent_request'
  AND NOT EXISTS (
      SELECT 1
      FROM audit AS a
      WHERE a.match_id = n.match_id
        AND a.counterpart_fiu = n.recipient_fiu
        AND a.decision IN ('released', 'refused')
        AND (a.created_at IS NULL OR n.created_at IS NULL OR a.created_at >= n.created_at)
  );
