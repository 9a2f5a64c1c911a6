-- The snapshotter's tables (live database and every published snapshot).
-- Rows are metadata and tokens only: no narratives, raw identifiers or reporting entities.
-- Each table is keyed by its natural id, so an at-least-once topic never yields a second row.
-- Derived records (reports, sightings, matches, notifications, dead letters) are upserted: a
-- replay carries the same content. Records of what happened are never rewritten: `audit` keeps
-- the first row of a decision_id (insert-or-ignore) and `consents` keeps every answer.

CREATE TABLE IF NOT EXISTS reports (
    fiu             VARCHAR NOT NULL,
    report_id       VARCHAR NOT NULL,
    submitted_at    TIMESTAMPTZ,
    typologies      VARCHAR[],
    sharing         VARCHAR,
    restrictions    VARCHAR[],
    n_subjects      INTEGER,
    n_transactions  INTEGER,
    n_source_tokens INTEGER,          -- identifiers tokenised at source (fiulink publish --tokenize-at-source)
    topic           VARCHAR,
    "partition"     INTEGER,
    "offset"        BIGINT,
    PRIMARY KEY (fiu, report_id)
);

CREATE TABLE IF NOT EXISTS sightings (
    token           VARCHAR NOT NULL,
    fiu             VARCHAR NOT NULL,
    report_id       VARCHAR NOT NULL,
    kind            VARCHAR,
    sharing         VARCHAR,
    submitted_at    TIMESTAMPTZ,
    source_ts       BIGINT,
    PRIMARY KEY (token, fiu, report_id)
);

CREATE TABLE IF NOT EXISTS matches (
    match_id        VARCHAR PRIMARY KEY,
    status          VARCHAR,          -- cross_border | domestic | hot
    match_kind      VARCHAR,
    token           VARCHAR,
    reports         STRUCT(fiu VARCHAR, report_id VARCHAR, sharing VARCHAR, restrictions VARCHAR[])[],
    fius            VARCHAR[],        -- distinct FIUs of reports, sorted
    created_at      TIMESTAMPTZ,
    source_ts       BIGINT,
    confidence      DOUBLE,           -- 1.0 for exact links; a fuzzy link's (person, organization) score
    why             JSON              -- a fuzzy link's signals by name (never a raw value)
);
ALTER TABLE matches ADD COLUMN IF NOT EXISTS confidence DOUBLE;
ALTER TABLE matches ADD COLUMN IF NOT EXISTS why JSON;

CREATE TABLE IF NOT EXISTS notifications (
    notification_id       VARCHAR PRIMARY KEY,
    match_id              VARCHAR,
    type                  VARCHAR,    -- hit | possible_hit | consent_request | consent_refused | hot_identifier | sanctions_hit
    recipient_fiu         VARCHAR,
    recipient_report_id   VARCHAR,
    counterpart_fiu       VARCHAR,
    counterpart_report_id VARCHAR,
    match_kind            VARCHAR,
    token                 VARCHAR,
    confidence            DOUBLE,
    purpose               VARCHAR,
    restrictions          VARCHAR[],
    created_at            TIMESTAMPTZ,
    source_ts             BIGINT,
    watchlist             VARCHAR,    -- sanctions_hit: the list, its entry and programmes
    listing_ref           VARCHAR,
    programs              VARCHAR[],
    recipient_fields      VARCHAR[],  -- the recipient's own fields that matched (paths, never values)
    agreement             VARCHAR,    -- the agreement it was decided under, e.g. 'DE-FR auto'
    message               VARCHAR,    -- consent_refused: the refusing FIU's note to the requester
    why                   JSON        -- hit / possible_hit of a fuzzy link: its signals by name
);
-- A live database made before the sanctions columns gets them (NULL in older rows).
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS watchlist VARCHAR;
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS listing_ref VARCHAR;
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS programs VARCHAR[];
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS recipient_fields VARCHAR[];
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS agreement VARCHAR;
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS message VARCHAR;
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS why JSON;

-- The first record of each decision: a replayed decision (new created_at) does not overwrite it.
CREATE TABLE IF NOT EXISTS audit (
    decision_id     VARCHAR PRIMARY KEY,
    match_id        VARCHAR,
    decision        VARCHAR,
    reason          VARCHAR,
    recipient_fiu   VARCHAR,
    counterpart_fiu VARCHAR,
    notification_id VARCHAR,
    policy_version  VARCHAR,
    created_at      TIMESTAMPTZ
);

-- Every consent answer an FIU sent, append-only (one row per record on fiulink.consents.<FIU>):
-- a later answer for the same match never overwrites an earlier one. At the hub a grant releases
-- the held hit (also after a refusal); a refusal after a grant cannot take the hit back.
CREATE TABLE IF NOT EXISTS consents (
    match_id        VARCHAR NOT NULL,
    fiu             VARCHAR NOT NULL,
    granted         BOOLEAN,
    reason          VARCHAR,
    created_at      TIMESTAMPTZ,
    topic           VARCHAR NOT NULL,
    "partition"     INTEGER NOT NULL,
    "offset"        BIGINT NOT NULL,
    PRIMARY KEY (topic, "partition", "offset")
);

-- The payload of a dead letter (the original bytes, possibly a raw report) is never kept: only its size.
CREATE TABLE IF NOT EXISTS dead_letters (
    source          VARCHAR NOT NULL,  -- topic/partition/offset of the rejected record
    stage           VARCHAR NOT NULL,
    field           VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    topic           VARCHAR,
    "partition"     INTEGER,
    "offset"        BIGINT,
    payload_bytes   INTEGER,
    created_at      TIMESTAMPTZ,
    PRIMARY KEY (source, stage, field, reason)
);

-- Next offset to read per topic partition, written in the same transaction as the rows.
CREATE TABLE IF NOT EXISTS _offsets (
    topic           VARCHAR NOT NULL,
    "partition"     INTEGER NOT NULL,
    next_offset     BIGINT NOT NULL,
    updated_at      TIMESTAMPTZ,
    PRIMARY KEY (topic, "partition")
);
