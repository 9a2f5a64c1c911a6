-- The audit trail of one match as far as it concerns one FIU (as recipient or as the FIU whose
-- report a notice would reveal), oldest first.
SELECT a.created_at, a.decision, a.reason, a.recipient_fiu, a.counterpart_fiu, a.policy_version
FROM audit AS a
WHERE a.match_id = $match_id AND (a.recipient_fiu = $fiu OR a.counterpart_fiu = $fiu)
ORDER BY a.created_at, a.decision_id;
