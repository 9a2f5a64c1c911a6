-- Hot identifiers: tokens seen in too many reports or FIUs (one alert, no fan-out).
CREATE OR REPLACE VIEW hot_identifiers AS
SELECT
    m.token,
    m.match_kind,
    m.match_id,
    len(m.reports) AS n_reports,
    len(m.fius)    AS n_fius,
    m.fius,
    m.created_at   AS hot_since
FROM matches AS m
WHERE m.status = 'hot';
