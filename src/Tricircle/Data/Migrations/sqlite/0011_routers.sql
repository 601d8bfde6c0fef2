-- The central Neutron's routers (central state only: nothing of them is in the pods yet). A
-- router's interfaces and gateway are central ports (device_id = the router's id, device_owner
-- network:router_interface or network:router_gateway), as Neutron keeps them; the gateway port's
-- id is here so that its external_gateway_info is one lookup.
CREATE TABLE routers (
    id                       VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id               VARCHAR(255) NOT NULL,
    name                     VARCHAR(255) NOT NULL DEFAULT '',
    description              VARCHAR(255) NOT NULL DEFAULT '',
    admin_state_up           BOOLEAN      NOT NULL DEFAULT 1,
    status                   VARCHAR(16)  NOT NULL DEFAULT 'ACTIVE',
    gw_network_id            VARCHAR(36)  NULL,
    gw_port_id               VARCHAR(36)  NULL,
    enable_snat              BOOLEAN      NOT NULL DEFAULT 1,
    availability_zone_hints  TEXT         NOT NULL DEFAULT '[]',
    routes                   TEXT         NOT NULL DEFAULT '[]',
    distributed              BOOLEAN      NOT NULL DEFAULT 0,
    ha                       BOOLEAN      NOT NULL DEFAULT 0,
    created_at               TEXT         NOT NULL,
    updated_at               TEXT         NOT NULL,
    revision_number          INTEGER      NOT NULL DEFAULT 1
);
CREATE INDEX routers_project ON routers (project_id);
CREATE INDEX ports_device_owner ON ports (device_id, device_owner);
