-- A pod's rows of one type (of one project): a down pod's placeholders in every merged list
-- while it is down, and a pod's audit. The index on pod_id alone read every row of the pod, of
-- every type and project; this one starts the same way, so it also serves what that one did
-- (the pods' foreign key, a pod's rows).
DROP INDEX resource_routings_pod_id;
CREATE INDEX resource_routings_pod_type_project ON resource_routings (pod_id, resource_type, project_id);
