-- The pod a network of type local lives in: the first pod it was used in (one row per network,
-- so two first uses in different pods at once cannot both win).
CREATE TABLE network_homes (
    network_id  VARCHAR(36) NOT NULL PRIMARY KEY,
    pod_id      VARCHAR(36) NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
    created_at  TEXT        NOT NULL
);
