-- The pod a network of type local lives in: the first pod it was used in (one row per network,
-- so two first uses in different pods at once cannot both win).
CREATE TABLE network_homes (
    network_id  VARCHAR(36) NOT NULL PRIMARY KEY,
    pod_id      VARCHAR(36) NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL
);

-- The central ports a server booted through the compute gateway is on: deleting the server
-- deletes the ports Tricircle made for it (created) and unbinds those the user gave.
CREATE TABLE server_ports (
    server_id   VARCHAR(36) NOT NULL,
    port_id     VARCHAR(36) NOT NULL,
    pod_id      VARCHAR(36) NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
    created     BOOLEAN     NOT NULL DEFAULT TRUE,
    PRIMARY KEY (server_id, port_id)
);
