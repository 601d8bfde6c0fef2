-- Routing lookups by top or bottom id within a project (the Admin API's filters, and the
-- gateways' id mapping) were answered by scanning the project's index: with 50,000 rows in one
-- project, 41 requests/s. Two-column indexes make them direct (bench/README.md).
CREATE INDEX resource_routings_top_id_project ON resource_routings (top_id, project_id);
DROP INDEX resource_routings_bottom_id;
CREATE INDEX resource_routings_bottom_id_project ON resource_routings (bottom_id, project_id);
