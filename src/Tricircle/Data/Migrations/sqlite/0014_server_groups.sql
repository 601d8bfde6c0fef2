-- The Nova gateway's server groups: central records owned by a project (Nova's InstanceGroup),
-- each with one policy and, for anti-affinity, max_server_per_host. A group's copies in pods (the
-- pod's own group of the same policy, made when its first member boots there) are routing rows
-- of type server_group. Members are central server ids with the pod each was placed in: an
-- affinity group's pod is its first member's.
CREATE TABLE server_groups (
    id                   VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id           VARCHAR(255) NOT NULL,
    user_id              VARCHAR(255) NOT NULL,
    name                 VARCHAR(255) NOT NULL,
    policy               VARCHAR(32)  NOT NULL,
    max_server_per_host  INTEGER      NULL,
    created_at           TEXT         NOT NULL
);
CREATE INDEX server_groups_project ON server_groups (project_id);

-- A server is a member of at most one group (Nova's hint names one); id keeps the order they joined.
CREATE TABLE server_group_members (
    id          INTEGER      PRIMARY KEY AUTOINCREMENT,
    server_id   VARCHAR(36)  NOT NULL UNIQUE,
    group_id    VARCHAR(36)  NOT NULL REFERENCES server_groups (id) ON DELETE CASCADE,
    pod_id      VARCHAR(36)  NOT NULL,
    created_at  TEXT         NOT NULL
);
CREATE INDEX server_group_members_group ON server_group_members (group_id);
