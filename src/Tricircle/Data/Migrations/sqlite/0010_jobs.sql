-- The job engine (spec §7, on our own tables): every change that must reach a pod is a row here,
-- written in the transaction of the central change that needs it, and leased by the workers of
-- the jobs role. Upstream's async_jobs/async_job_logs were never used by this build; a job's
-- history is now its runs.
DROP TABLE async_job_logs;
DROP TABLE async_jobs;

CREATE TABLE jobs (
    seq          INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    id           VARCHAR(36)  NOT NULL UNIQUE,
    type         VARCHAR(64)  NOT NULL,
    -- the type's resource keys joined by '#' (upstream's form: "pod#network")
    resource_id  VARCHAR(255) NOT NULL,
    project_id   VARCHAR(64)  NULL,
    -- the pod the job works in, when it works in one (tricircle status counts per pod)
    pod_id       VARCHAR(36)  NULL,
    -- NEW, RUNNING, SUCCESS, FAIL
    status       VARCHAR(16)  NOT NULL,
    -- requests folded into this job; a run that began before the last one is followed by another
    requests     INTEGER      NOT NULL,
    -- failed runs that count towards giving up (a pod that cannot be reached does not count)
    attempts     INTEGER      NOT NULL,
    -- failed runs in a row, whatever the cause: the backoff
    failures     INTEGER      NOT NULL,
    -- when it may run (NEW), or when its lease ends (RUNNING): one index finds both
    run_after    TEXT NOT NULL,
    lease_owner  VARCHAR(255) NULL,
    last_error   TEXT         NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    finished_at  TEXT NULL
);
-- At most one pending job per (type, resource): a newer request folds into it.
CREATE UNIQUE INDEX jobs_one_pending ON jobs (type, resource_id) WHERE status IN ('NEW', 'RUNNING');
CREATE INDEX jobs_due ON jobs (run_after) WHERE status IN ('NEW', 'RUNNING');
CREATE INDEX jobs_resource ON jobs (type, resource_id);
CREATE INDEX jobs_pod ON jobs (pod_id, status);

-- Every run of a job: when, which worker, how it ended (SUCCESS, RETRY, FAIL, LOST when its
-- worker died and the lease expired, STOPPED when its worker shut down) and the error.
CREATE TABLE job_runs (
    id           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    job_id       VARCHAR(36)  NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    worker       VARCHAR(255) NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NULL,
    outcome      VARCHAR(16)  NULL,
    error        TEXT         NULL
);
CREATE INDEX job_runs_job_id ON job_runs (job_id, id);
