-- Sanctions hits: a wallet of an FIU's own report is on a loaded sanctions list. Each hit went
-- to that FIU only (no counterpart); one row per report, list entry and wallet token.
CREATE OR REPLACE VIEW sanctions_hits AS
SELECT
    n.recipient_fiu       AS fiu,
    n.recipient_report_id AS report_id,
    n.watchlist,
    n.listing_ref         AS entry,
    n.programs,
    n.match_kind,
    n.token,
    n.notification_id,
    n.created_at
FROM notifications AS n
WHERE n.type = 'sanctions_hit';
