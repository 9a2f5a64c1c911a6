-- Fuzzy entity links (person / organization matches with a confidence) between two reports, with
-- each report's number in _cluster_reports (NULL: a report no sighting holds), most confident first.
SELECT ra.rix, m.reports[1].fiu, m.reports[1].report_id, rb.rix, m.reports[2].fiu, m.reports[2].report_id,
       m.confidence
FROM matches AS m
LEFT JOIN _cluster_reports AS ra ON ra.fiu = m.reports[1].fiu AND ra.report_id = m.reports[1].report_id
LEFT JOIN _cluster_reports AS rb ON rb.fiu = m.reports[2].fiu AND rb.report_id = m.reports[2].report_id
WHERE m.match_kind IN ('person', 'organization') AND m.confidence IS NOT NULL AND m.status <> 'hot'
  AND len(m.reports) = 2
ORDER BY m.confidence DESC;
