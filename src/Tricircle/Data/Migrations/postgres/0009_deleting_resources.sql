-- The deletion guard (spec §6.10): a network, subnet or security group whose copies in the pods
-- are being deleted. While the row exists nothing may put the resource into a pod again (a new
-- port on it, a copy for a boot), and a second delete is refused; the delete removes the row.
CREATE TABLE deleting_resources (
    resource_id    VARCHAR(36) NOT NULL PRIMARY KEY,
    resource_type  VARCHAR(64) NOT NULL,
    deleted_at     TIMESTAMPTZ        NOT NULL
);
