-- The central Neutron's security groups and their rules (ids are the central ids; a pod's copy
-- is named after the group's id).
CREATE TABLE security_groups (
    id               VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id       VARCHAR(255) NOT NULL,
    name             VARCHAR(255) NOT NULL DEFAULT '',
    description      VARCHAR(255) NOT NULL DEFAULT '',
    stateful         BOOLEAN      NOT NULL DEFAULT TRUE,
    revision_number  INTEGER      NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ  NOT NULL,
    updated_at       TIMESTAMPTZ  NOT NULL
);
CREATE INDEX security_groups_project ON security_groups (project_id);

-- A project's one default group: the primary key makes two instances' first uses agree on one.
CREATE TABLE default_security_groups (
    project_id         VARCHAR(255) NOT NULL PRIMARY KEY,
    security_group_id  VARCHAR(36)  NOT NULL UNIQUE REFERENCES security_groups (id) ON DELETE CASCADE
);

-- fingerprint is the rule's canonical form (protocol as a number, prefix normalised): unique per
-- group, so that two equal rules created at once cannot both be stored.
CREATE TABLE security_group_rules (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    security_group_id  VARCHAR(36)  NOT NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    project_id         VARCHAR(255) NOT NULL,
    direction          VARCHAR(16)  NOT NULL,
    ethertype          VARCHAR(8)   NOT NULL,
    protocol           VARCHAR(40)  NULL,
    port_range_min     INTEGER      NULL,
    port_range_max     INTEGER      NULL,
    remote_ip_prefix   VARCHAR(255) NULL,
    remote_group_id    VARCHAR(36)  NULL REFERENCES security_groups (id) ON DELETE CASCADE,
    description        VARCHAR(255) NOT NULL DEFAULT '',
    fingerprint        VARCHAR(512) NOT NULL,
    revision_number    INTEGER      NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ  NOT NULL,
    updated_at         TIMESTAMPTZ  NOT NULL,
    UNIQUE (security_group_id, fingerprint)
);
CREATE INDEX security_group_rules_project ON security_group_rules (project_id);
CREATE INDEX security_group_rules_remote_group ON security_group_rules (remote_group_id);
