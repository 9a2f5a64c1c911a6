-- The FIU's consent answers (as the snapshot has them) for the given matches: the last one each,
-- and whether the hub released a held hit on the FIU's grant.
SELECT c.match_id,
       arg_max(c.granted, c.created_at) AS granted,
       max(c.created_at)                AS answered_at,
       EXISTS (SELECT 1 FROM audit AS a
               WHERE a.match_id = c.match_id AND a.counterpart_fiu = $fiu
                 AND a.decision = 'released') AS released
FROM consents AS c
WHERE c.fiu = $fiu AND list_contains($match_ids, c.match_id)
GROUP BY c.match_id;
