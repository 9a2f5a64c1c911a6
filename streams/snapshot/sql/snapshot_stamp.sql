INSERT INTO _snapshot VALUES ($published_at, $rows, (SELECT count(*) FROM clusters));
