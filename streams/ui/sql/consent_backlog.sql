-- Open consent requests per answering FIU and requesting FIU: a consent_request with no 'released'
-- or 'refused' decision on its match about the answering FIU's report (as the consent_backlog
-- view, as one anti-join: the view's per-row check is too slow at a million notifications).
WITH answered AS (
    SELECT DISTINCT a.match_id, a.counterpart_fiu
    FROM audit AS a
    WHERE a.decision IN ('released', 'refused')
)
SELECT n.recipient_fiu AS fiu, n.counterpart_fiu AS requesting_fiu, count(*) AS open,
       min(n.created_at) AS oldest
FROM notifications AS n
ANTI JOIN answered AS a ON a.match_id = n.match_id AND a.counterpart_fiu = n.recipient_fiu
WHERE n.type = 'consent_request'
GROUP BY ALL
ORDER BY open DESC, fiu, requesting_fiu;
