-- Cross-border links: two FIUs' reports share a token (one row per match).
CREATE OR REPLACE VIEW cross_border_links AS
SELECT
    m.match_id,
    m.match_kind,
    m.token,
    m.reports[1].fiu        AS fiu_a,
    m.reports[1].report_id  AS report_a,
    m.reports[2].fiu        AS fiu_b,
    m.reports[2].report_id  AS report_b,
    m.created_at
FROM matches AS m
WHERE m.status = 'cross_border';
