-- Next offset to read per topic partition, as committed together with the rows.
SELECT topic, "partition", next_offset FROM _offsets ORDER BY topic, "partition";
