-- FIU-to-FIU exchange: notifications per pair. from_fiu is the FIU whose report the notice is
-- about (counterpart_fiu), to_fiu the FIU it was sent to (recipient_fiu). hot_identifier
-- notices name no counterpart and are not pairwise, so they are left out.
CREATE OR REPLACE VIEW exchange_matrix AS
SELECT
    n.counterpart_fiu                              AS from_fiu,
    n.recipient_fiu                                AS to_fiu,
    count(*) FILTER (WHERE n.type = 'hit')             AS hits,
    count(*) FILTER (WHERE n.type = 'consent_request') AS consent_requests,
    count(*)                                       AS notifications
FROM notifications AS n
WHERE n.counterpart_fiu IS NOT NULL
GROUP BY n.counterpart_fiu, n.recipient_fiu;
