-- The Nova gateway's central catalogue: flavors (with extra specs and access), keypairs, and
-- quotas (per-project limits, usage as allocation rows held by a resource).
CREATE TABLE flavors (
    flavor_id    VARCHAR(255) NOT NULL PRIMARY KEY,
    name         VARCHAR(255) NOT NULL UNIQUE,
    ram          INTEGER      NOT NULL,
    vcpus        INTEGER      NOT NULL,
    disk         INTEGER      NOT NULL,
    ephemeral    INTEGER      NOT NULL DEFAULT 0,
    swap         INTEGER      NOT NULL DEFAULT 0,
    rxtx_factor  REAL         NOT NULL DEFAULT 1.0,
    is_public    BOOLEAN      NOT NULL DEFAULT 1,
    description  TEXT         NULL,
    created_at   TEXT         NOT NULL,
    updated_at   TEXT         NULL
);

CREATE TABLE flavor_extra_specs (
    flavor_id  VARCHAR(255) NOT NULL REFERENCES flavors (flavor_id) ON DELETE CASCADE,
    spec_key   VARCHAR(255) NOT NULL,
    spec_value VARCHAR(255) NOT NULL,
    PRIMARY KEY (flavor_id, spec_key)
);

CREATE TABLE flavor_projects (
    flavor_id  VARCHAR(255) NOT NULL REFERENCES flavors (flavor_id) ON DELETE CASCADE,
    project_id VARCHAR(255) NOT NULL,
    PRIMARY KEY (flavor_id, project_id)
);

CREATE TABLE keypairs (
    id           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id      VARCHAR(255) NOT NULL,
    name         VARCHAR(255) NOT NULL,
    type         VARCHAR(16)  NOT NULL,
    fingerprint  VARCHAR(255) NOT NULL,
    public_key   TEXT         NOT NULL,
    created_at   TEXT         NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE quota_limits (
    project_id  VARCHAR(255) NOT NULL,
    resource    VARCHAR(64)  NOT NULL,
    hard_limit  BIGINT       NOT NULL,
    PRIMARY KEY (project_id, resource)
);

CREATE TABLE quota_allocations (
    id           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    project_id   VARCHAR(255) NOT NULL,
    resource     VARCHAR(64)  NOT NULL,
    holder_type  VARCHAR(64)  NOT NULL,
    holder_id    VARCHAR(255) NOT NULL,
    amount       BIGINT       NOT NULL,
    created_at   TEXT         NOT NULL,
    UNIQUE (holder_type, holder_id, resource)
);
CREATE INDEX quota_allocations_project ON quota_allocations (project_id, resource);
