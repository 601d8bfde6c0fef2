-- Each project's bridge network (spec §6.7): a central network and subnet owned by no project,
-- made when one of its routers first spans pods. The unique CIDR gives every project its own
-- /24 of [network] bridge_cidr, decided by the key between concurrent first routers.
CREATE TABLE bridge_networks (
    project_id   VARCHAR(255) NOT NULL PRIMARY KEY,
    network_id   VARCHAR(36)  NOT NULL REFERENCES networks (id),
    subnet_id    VARCHAR(36)  NULL,
    cidr         VARCHAR(64)  NOT NULL UNIQUE,
    created_at   TEXT         NOT NULL
);
