-- Tables a published snapshot has beside the copied data: clusters and what was published when.
CREATE TABLE report_clusters (
    cluster_id  VARCHAR NOT NULL,   -- FIU:report_id of the smallest report of the cluster
    fiu         VARCHAR NOT NULL,
    report_id   VARCHAR NOT NULL
);
-- A report's cluster when fuzzy entity links of at least min_confidence join clusters as well
-- (only where it differs from the exact one above it): see the clusters_at table macro.
CREATE TABLE cluster_levels (
    fiu             VARCHAR NOT NULL,
    report_id       VARCHAR NOT NULL,
    min_confidence  DOUBLE NOT NULL,
    cluster_id      VARCHAR NOT NULL
);
CREATE TABLE _snapshot (
    published_at TIMESTAMPTZ NOT NULL,
    "rows"       BIGINT NOT NULL,
    clusters     BIGINT NOT NULL
);
