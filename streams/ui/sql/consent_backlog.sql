-- Open consent requests per answering FIU and requesting FIU.
SELECT fiu, requesting_fiu, count(*) AS open, max(age_hours) AS oldest_hours
FROM consent_backlog
GROUP BY ALL
ORDER BY open DESC, fiu, requesting_fiu;
