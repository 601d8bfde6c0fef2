-- An operator may disable a pod: it takes no new resources (placement skips it), while what it
-- already holds stays reachable. The reason is shown with the pod.
ALTER TABLE pods ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE pods ADD COLUMN disabled_reason VARCHAR(255) NOT NULL DEFAULT '';
