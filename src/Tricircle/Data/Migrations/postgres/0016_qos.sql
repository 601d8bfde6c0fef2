-- The central Neutron's QoS policies and rules (Neutron's qos service plugin). They are central
-- resources: a pod gets a copy of a policy (named after its central id, routing type qos_policy)
-- when a network or port copy there uses it.
CREATE TABLE qos_policies (
    id               VARCHAR(36)  NOT NULL PRIMARY KEY,
    project_id       VARCHAR(255) NOT NULL,
    name             VARCHAR(255) NOT NULL DEFAULT '',
    description      VARCHAR(255) NOT NULL DEFAULT '',
    shared           BOOLEAN      NOT NULL DEFAULT FALSE,
    is_default       BOOLEAN      NOT NULL DEFAULT FALSE,
    revision_number  INTEGER      NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ         NOT NULL,
    updated_at       TIMESTAMPTZ         NOT NULL
);
CREATE INDEX qos_policies_project ON qos_policies (project_id);
-- Neutron's QoSPolicyDefaultAlreadyExists, held by the schema: one default policy per project.
CREATE UNIQUE INDEX qos_policies_one_default ON qos_policies (project_id) WHERE is_default = TRUE;

-- Every rule type in one table. direction is '' for a dscp_marking rule (it has none); the
-- unique key is Neutron's duplicate-rule check (one rule of a type per direction) whatever races.
CREATE TABLE qos_rules (
    id              VARCHAR(36)  NOT NULL PRIMARY KEY,
    qos_policy_id   VARCHAR(36)  NOT NULL REFERENCES qos_policies (id) ON DELETE CASCADE,
    rule_type       VARCHAR(32)  NOT NULL,
    direction       VARCHAR(16)  NOT NULL DEFAULT '',
    max_kbps        BIGINT       NULL,
    max_burst_kbps  BIGINT       NULL,
    dscp_mark       INTEGER      NULL,
    min_kbps        BIGINT       NULL,
    min_kpps        BIGINT       NULL,
    created_at      TIMESTAMPTZ         NOT NULL,
    UNIQUE (qos_policy_id, rule_type, direction)
);

-- The policy a network or port is bound to (Neutron's qos_network_policy_bindings and
-- qos_port_policy_bindings, as a column: one policy each). A policy in use is refused delete.
ALTER TABLE networks ADD COLUMN qos_policy_id VARCHAR(36) NULL;
ALTER TABLE ports ADD COLUMN qos_policy_id VARCHAR(36) NULL;
CREATE INDEX networks_qos_policy ON networks (qos_policy_id);
CREATE INDEX ports_qos_policy ON ports (qos_policy_id);
