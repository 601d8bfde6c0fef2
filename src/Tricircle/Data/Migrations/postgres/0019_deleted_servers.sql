-- A server its pod has finished deleting: its routing row is gone (GET /servers/{id} is 404), but
-- Nova (microversion 2.21 on) still lists a deleted instance's actions, so this remembers which
-- pod to ask and whose server it was. Written in the transaction that forgets the routing.
CREATE TABLE deleted_servers (
    server_id   VARCHAR(36)  NOT NULL PRIMARY KEY,
    pod_id      VARCHAR(36)  NOT NULL REFERENCES pods (pod_id) ON DELETE CASCADE,
    bottom_id   VARCHAR(36)  NULL,
    project_id  VARCHAR(36)  NOT NULL,
    deleted_at  TIMESTAMPTZ  NOT NULL
);
CREATE INDEX deleted_servers_pod_id ON deleted_servers (pod_id);
