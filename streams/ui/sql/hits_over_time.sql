-- Notifications per UTC day and type (grouped on whole days of epoch seconds, converted once per
-- group: much faster than date_trunc on TIMESTAMPTZ, and the same UTC day).
SELECT to_timestamp(d * 86400) AS day, type, n
FROM (
    SELECT CAST(epoch(n.created_at) // 86400 AS BIGINT) AS d, n.type, count(*) AS n
    FROM notifications AS n
    WHERE n.created_at IS NOT NULL
    GROUP BY ALL
)
ORDER BY day, type;
