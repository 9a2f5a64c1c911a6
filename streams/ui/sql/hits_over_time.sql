-- Notifications per day and type.
SELECT date_trunc('day', n.created_at) AS day, n.type, count(*) AS n
FROM notifications AS n
GROUP BY ALL
ORDER BY day, n.type;
