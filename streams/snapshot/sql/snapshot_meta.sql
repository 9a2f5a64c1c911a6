-- Tables a published snapshot has beside the copied data: clusters and what was published when.
CREATE TABLE report_clusters (
    cluster_id  VARCHAR NOT NULL,   -- FIU:report_id of the smallest report of the cluster
    fiu         VARCHAR NOT NULL,
    report_id   VARCHAR NOT NULL
);
CREATE TABLE _snapshot (
    published_at TIMESTAMPTZ NOT NULL,
    "rows"       BIGINT NOT NULL,
    clusters     BIGINT NOT NULL
);
