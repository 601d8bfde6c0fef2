-- Asked of every merged list: which pods hold the caller's resources of a type (one lookup per
-- pod), and while a pod is down, its rows of the type for the placeholders; also a pod's audit.
-- The index on pod_id alone read every row of the pod, of every type and project; this one
-- starts the same way, so it also serves what that one did (the pods' foreign key, a pod's rows).
DROP INDEX resource_routings_pod_id;
CREATE INDEX resource_routings_pod_type_project ON resource_routings (pod_id, resource_type, project_id);
