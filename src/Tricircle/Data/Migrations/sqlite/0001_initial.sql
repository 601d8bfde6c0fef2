-- Tricircle schema v1 (SQLite). Integrity lives here: unique keys, foreign keys, one central pod.
CREATE TABLE pods (
    pod_id       VARCHAR(36)  NOT NULL PRIMARY KEY,
    region_name  VARCHAR(255) NOT NULL UNIQUE,
    az_name      VARCHAR(255) NOT NULL DEFAULT '',
    pod_az_name  VARCHAR(255) NOT NULL DEFAULT '',
    dc_name      VARCHAR(255) NOT NULL DEFAULT '',
    created_at   TEXT         NOT NULL,
    updated_at   TEXT         NULL
);
-- Only one pod may have an empty az_name: that is the central pod.
CREATE UNIQUE INDEX pods_single_central ON pods (az_name) WHERE az_name = '';
CREATE INDEX pods_az_name ON pods (az_name);

CREATE TABLE cached_endpoints (
    pod_id        VARCHAR(36)  NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
    service_type  VARCHAR(64)  NOT NULL,
    service_url   VARCHAR(512) NOT NULL,
    refreshed_at  TEXT         NOT NULL,
    PRIMARY KEY (pod_id, service_type)
);

CREATE TABLE pod_bindings (
    id          VARCHAR(36) NOT NULL PRIMARY KEY,
    tenant_id   VARCHAR(36) NOT NULL,
    pod_id      VARCHAR(36) NOT NULL REFERENCES pods (pod_id),
    is_binding  BOOLEAN     NOT NULL DEFAULT 1,
    created_at  TEXT        NOT NULL,
    updated_at  TEXT        NULL,
    UNIQUE (tenant_id, pod_id)
);
CREATE INDEX pod_bindings_pod_id ON pod_bindings (pod_id);

CREATE TABLE resource_routings (
    id             INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    top_id         VARCHAR(127) NOT NULL,
    bottom_id      VARCHAR(36)  NULL,
    pod_id         VARCHAR(36)  NOT NULL REFERENCES pods (pod_id),
    project_id     VARCHAR(36)  NOT NULL,
    resource_type  VARCHAR(64)  NOT NULL,
    created_at     TEXT         NOT NULL,
    updated_at     TEXT         NULL,
    UNIQUE (top_id, pod_id, resource_type)
);
CREATE INDEX resource_routings_bottom_id ON resource_routings (bottom_id);
CREATE INDEX resource_routings_project_id ON resource_routings (project_id, id);
CREATE INDEX resource_routings_pod_id ON resource_routings (pod_id);

CREATE TABLE async_jobs (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id   VARCHAR(36)  NULL,
    type         VARCHAR(36)  NOT NULL,
    timestamp    TEXT         NOT NULL,
    status       VARCHAR(36)  NOT NULL,
    resource_id  VARCHAR(127) NOT NULL,
    extra_id     VARCHAR(36)  NOT NULL,
    UNIQUE (type, status, resource_id, extra_id)
);
CREATE INDEX async_jobs_timestamp ON async_jobs (timestamp);

CREATE TABLE async_job_logs (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id   VARCHAR(36)  NULL,
    resource_id  VARCHAR(127) NOT NULL,
    type         VARCHAR(36)  NOT NULL,
    timestamp    TEXT         NOT NULL
);
CREATE INDEX async_job_logs_timestamp ON async_job_logs (timestamp);
