-- The central Neutron's floating IPs (central state only: the pod side comes with the L3 work).
-- The floating address is a central port on the external network (device_owner
-- network:floatingip, device_id the floating IP's id, no project), as Neutron keeps it; its id
-- is here with the address so that a floating IP is one row to read. An association is the
-- internal port, the fixed IP on it and the router that serves it (NULL when not associated).
CREATE TABLE floatingips (
    id                   VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id           VARCHAR(255) NOT NULL,
    floating_network_id  VARCHAR(36)  NOT NULL REFERENCES networks (id),
    floating_ip_address  VARCHAR(64)  NOT NULL,
    floating_port_id     VARCHAR(36)  NOT NULL UNIQUE REFERENCES ports (id),
    fixed_port_id        VARCHAR(36)  NULL REFERENCES ports (id),
    fixed_ip_address     VARCHAR(64)  NULL,
    router_id            VARCHAR(36)  NULL REFERENCES routers (id),
    status               VARCHAR(16)  NOT NULL DEFAULT 'DOWN',
    description          VARCHAR(255) NOT NULL DEFAULT '',
    created_at           TEXT         NOT NULL,
    updated_at           TEXT         NOT NULL,
    revision_number      INTEGER      NOT NULL DEFAULT 1,
    -- Neutron's FloatingIPPortAlreadyAssociated, held by the schema: one fixed IP of one port has
    -- at most one floating IP per external network, whichever requests race (NULLs, the
    -- floating IPs not associated, never collide).
    UNIQUE (floating_network_id, fixed_port_id, fixed_ip_address)
);
CREATE INDEX floatingips_project ON floatingips (project_id);
CREATE INDEX floatingips_fixed_port ON floatingips (fixed_port_id);
CREATE INDEX floatingips_router ON floatingips (router_id);
