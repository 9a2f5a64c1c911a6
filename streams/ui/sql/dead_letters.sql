SELECT stage, field, reason, n, last_seen FROM dead_letters_by_reason ORDER BY n DESC, stage, reason LIMIT 30;
