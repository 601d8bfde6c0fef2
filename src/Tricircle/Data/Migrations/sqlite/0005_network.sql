-- The central Neutron: networks, subnets, ports and the central allocation of segments, IPs and
-- MACs. The unique keys are the arbiters of allocation: two requests (on one instance or
-- several) that pick the same VLAN, IP or MAC cannot both commit.
CREATE TABLE networks (
    id                       VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id               VARCHAR(255) NOT NULL,
    name                     VARCHAR(255) NOT NULL DEFAULT '',
    description              VARCHAR(255) NOT NULL DEFAULT '',
    admin_state_up           BOOLEAN      NOT NULL DEFAULT 1,
    shared                   BOOLEAN      NOT NULL DEFAULT 0,
    router_external          BOOLEAN      NOT NULL DEFAULT 0,
    mtu                      INTEGER      NOT NULL,
    status                   VARCHAR(16)  NOT NULL DEFAULT 'ACTIVE',
    network_type             VARCHAR(32)  NOT NULL,
    physical_network         VARCHAR(64)  NULL,
    segmentation_id          INTEGER      NULL,
    availability_zone_hints  TEXT         NOT NULL DEFAULT '[]',
    port_security_enabled    BOOLEAN      NOT NULL DEFAULT 1,
    created_at               TEXT         NOT NULL,
    updated_at               TEXT         NOT NULL,
    revision_number          INTEGER      NOT NULL DEFAULT 1
);
CREATE INDEX networks_project ON networks (project_id);

-- One row per segment in use. physical_network is '' for VxLAN, segmentation_id 0 for flat.
CREATE TABLE segment_allocations (
    network_type      VARCHAR(32) NOT NULL,
    physical_network  VARCHAR(64) NOT NULL DEFAULT '',
    segmentation_id   INTEGER     NOT NULL,
    network_id        VARCHAR(36) NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    UNIQUE (network_type, physical_network, segmentation_id)
);
CREATE INDEX segment_allocations_network ON segment_allocations (network_id);

CREATE TABLE subnets (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id         VARCHAR(255) NOT NULL,
    network_id         VARCHAR(36)  NOT NULL REFERENCES networks (id),
    name               VARCHAR(255) NOT NULL DEFAULT '',
    description        VARCHAR(255) NOT NULL DEFAULT '',
    ip_version         INTEGER      NOT NULL,
    cidr               VARCHAR(64)  NOT NULL,
    gateway_ip         VARCHAR(64)  NULL,
    enable_dhcp        BOOLEAN      NOT NULL DEFAULT 1,
    dns_nameservers    TEXT         NOT NULL DEFAULT '[]',
    host_routes        TEXT         NOT NULL DEFAULT '[]',
    ipv6_ra_mode       VARCHAR(32)  NULL,
    ipv6_address_mode  VARCHAR(32)  NULL,
    created_at         TEXT         NOT NULL,
    updated_at         TEXT         NOT NULL,
    revision_number    INTEGER      NOT NULL DEFAULT 1
);
CREATE INDEX subnets_network ON subnets (network_id);
CREATE INDEX subnets_project ON subnets (project_id);

CREATE TABLE subnet_allocation_pools (
    subnet_id  VARCHAR(36) NOT NULL REFERENCES subnets (id) ON DELETE CASCADE,
    position   INTEGER     NOT NULL,
    first_ip   VARCHAR(64) NOT NULL,
    last_ip    VARCHAR(64) NOT NULL,
    PRIMARY KEY (subnet_id, position)
);

CREATE TABLE ports (
    id                     VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id             VARCHAR(255) NOT NULL,
    network_id             VARCHAR(36)  NOT NULL REFERENCES networks (id),
    name                   VARCHAR(255) NOT NULL DEFAULT '',
    description            VARCHAR(255) NOT NULL DEFAULT '',
    mac_address            VARCHAR(32)  NOT NULL UNIQUE,
    admin_state_up         BOOLEAN      NOT NULL DEFAULT 1,
    status                 VARCHAR(16)  NOT NULL DEFAULT 'DOWN',
    device_id              VARCHAR(255) NOT NULL DEFAULT '',
    device_owner           VARCHAR(255) NOT NULL DEFAULT '',
    port_security_enabled  BOOLEAN      NOT NULL DEFAULT 1,
    binding_host_id        VARCHAR(255) NOT NULL DEFAULT '',
    binding_profile        TEXT         NOT NULL DEFAULT '{}',
    binding_vnic_type      VARCHAR(64)  NOT NULL DEFAULT 'normal',
    binding_vif_type       VARCHAR(64)  NOT NULL DEFAULT 'unbound',
    binding_vif_details    TEXT         NOT NULL DEFAULT '{}',
    allowed_address_pairs  TEXT         NOT NULL DEFAULT '[]',
    extra_dhcp_opts        TEXT         NOT NULL DEFAULT '[]',
    created_at             TEXT         NOT NULL,
    updated_at             TEXT         NOT NULL,
    revision_number        INTEGER      NOT NULL DEFAULT 1
);
CREATE INDEX ports_network ON ports (network_id);
CREATE INDEX ports_project ON ports (project_id);
CREATE INDEX ports_device ON ports (device_id);

-- A port's fixed IPs. The primary key is what keeps an address from being given twice on a network.
CREATE TABLE ip_allocations (
    network_id  VARCHAR(36) NOT NULL REFERENCES networks (id),
    ip_address  VARCHAR(64) NOT NULL,
    subnet_id   VARCHAR(36) NOT NULL REFERENCES subnets (id),
    port_id     VARCHAR(36) NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    PRIMARY KEY (network_id, ip_address)
);
CREATE INDEX ip_allocations_subnet ON ip_allocations (subnet_id);
CREATE INDEX ip_allocations_port ON ip_allocations (port_id);

-- The security groups of a port, by id (the groups themselves are the security group part's).
CREATE TABLE port_security_groups (
    port_id            VARCHAR(36) NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    security_group_id  VARCHAR(36) NOT NULL,
    PRIMARY KEY (port_id, security_group_id)
);
CREATE INDEX port_security_groups_group ON port_security_groups (security_group_id);

-- Neutron's standard-attr tags of any resource (networks, subnets, ports, security groups...).
CREATE TABLE neutron_tags (
    resource_type  VARCHAR(32)  NOT NULL,
    resource_id    VARCHAR(36)  NOT NULL,
    tag            VARCHAR(255) NOT NULL,
    PRIMARY KEY (resource_type, resource_id, tag)
);
CREATE INDEX neutron_tags_tag ON neutron_tags (tag);
