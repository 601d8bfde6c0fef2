-- The central Neutron's address scopes and subnet pools (Neutron's subnet_allocation,
-- address-scope, default-subnetpools). They exist only here: a subnet allocated from a pool
-- reaches a pod as an ordinary subnet with its allocated CIDR, so pods need no pools.
CREATE TABLE address_scopes (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id  VARCHAR(255) NOT NULL,
    name        VARCHAR(255) NOT NULL DEFAULT '',
    shared      BOOLEAN      NOT NULL DEFAULT FALSE,
    ip_version  INTEGER      NOT NULL
);
CREATE INDEX address_scopes_project ON address_scopes (project_id);

-- A pool's prefixes are a JSON list of compacted CIDRs (read and written whole, as Neutron's
-- subnetpoolprefixes rows are). A subnet allocated from it names it in subnets.subnetpool_id;
-- allocation locks the pool's row in the subnet's transaction, so two allocations from one pool
-- take turns and never overlap.
CREATE TABLE subnetpools (
    id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id         VARCHAR(255) NOT NULL,
    name               VARCHAR(255) NOT NULL DEFAULT '',
    description        VARCHAR(255) NOT NULL DEFAULT '',
    ip_version         INTEGER      NOT NULL,
    prefixes           TEXT         NOT NULL,
    default_prefixlen  INTEGER      NOT NULL,
    min_prefixlen      INTEGER      NOT NULL,
    max_prefixlen      INTEGER      NOT NULL,
    default_quota      INTEGER      NULL,
    is_default         BOOLEAN      NOT NULL DEFAULT FALSE,
    shared             BOOLEAN      NOT NULL DEFAULT FALSE,
    address_scope_id   VARCHAR(36)  NULL REFERENCES address_scopes (id),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    revision_number    INTEGER      NOT NULL DEFAULT 1
);
CREATE INDEX subnetpools_project ON subnetpools (project_id);
CREATE INDEX subnetpools_address_scope ON subnetpools (address_scope_id);
-- One default pool per IP version, whichever requests race.
CREATE UNIQUE INDEX subnetpools_one_default ON subnetpools (ip_version) WHERE is_default;

ALTER TABLE subnets ADD COLUMN subnetpool_id VARCHAR(36) NULL REFERENCES subnetpools (id);
CREATE INDEX subnets_subnetpool ON subnets (subnetpool_id);
