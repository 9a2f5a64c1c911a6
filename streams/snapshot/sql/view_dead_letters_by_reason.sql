-- Dead letters grouped by the step that rejected them, the field and the reason.
CREATE OR REPLACE VIEW dead_letters_by_reason AS
SELECT
    d.stage,
    d.field,
    d.reason,
    count(*)                           AS n,
    list_sort(list_distinct(list(d.topic))) AS topics,
    min(d.created_at)                  AS first_seen,
    max(d.created_at)                  AS last_seen
FROM dead_letters AS d
GROUP BY d.stage, d.field, d.reason;
