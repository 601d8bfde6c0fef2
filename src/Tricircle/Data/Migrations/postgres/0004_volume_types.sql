-- The central catalogue of Cinder volume types; each is made in a pod on first use there
-- (a resource_routings row of type volume_type maps it to the pod's copy).
CREATE TABLE volume_types (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    name         VARCHAR(255) NOT NULL UNIQUE,
    description  VARCHAR(255) NULL,
    is_public    BOOLEAN      NOT NULL DEFAULT TRUE,
    extra_specs  TEXT         NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ  NOT NULL,
    updated_at   TIMESTAMPTZ  NULL
);

-- Projects that may use a private type.
CREATE TABLE volume_type_projects (
    volume_type_id  VARCHAR(36) NOT NULL REFERENCES volume_types (id) ON DELETE CASCADE,
    project_id      VARCHAR(36) NOT NULL,
    PRIMARY KEY (volume_type_id, project_id)
);
