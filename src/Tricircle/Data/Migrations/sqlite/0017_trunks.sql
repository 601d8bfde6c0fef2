-- The central Neutron's trunks (VLAN-aware VMs): a parent port and its subports, each port in at
-- most one trunk (the primary and unique keys hold Neutron's TrunkPortInUse and ParentPortInUse
-- whatever requests race). A trunk is materialised in its parent port's pod (trunk_sync jobs);
-- status is that copy's, DOWN until it has one.
CREATE TABLE trunks (
    id               VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id       VARCHAR(255) NOT NULL,
    name             VARCHAR(255) NOT NULL DEFAULT '',
    description      VARCHAR(255) NOT NULL DEFAULT '',
    port_id          VARCHAR(36)  NOT NULL UNIQUE REFERENCES ports (id),
    admin_state_up   BOOLEAN      NOT NULL DEFAULT 1,
    status           VARCHAR(16)  NOT NULL DEFAULT 'DOWN',
    created_at       TEXT         NOT NULL,
    updated_at       TEXT         NOT NULL,
    revision_number  INTEGER      NOT NULL DEFAULT 1
);
CREATE INDEX trunks_project ON trunks (project_id);

-- Neutron's subports table: a port is a subport of one trunk; one segmentation per trunk.
CREATE TABLE trunk_subports (
    port_id            VARCHAR(36)  NOT NULL PRIMARY KEY REFERENCES ports (id),
    trunk_id           VARCHAR(36)  NOT NULL REFERENCES trunks (id) ON DELETE CASCADE,
    segmentation_type  VARCHAR(32)  NOT NULL,
    segmentation_id    INTEGER      NOT NULL,
    UNIQUE (trunk_id, segmentation_type, segmentation_id)
);
