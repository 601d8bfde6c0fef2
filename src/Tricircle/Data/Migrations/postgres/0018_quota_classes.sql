-- Quota classes (Nova's and Cinder's os-quota-class-sets): the "default" class's rows are the
-- limits of every project without its own (over the [quota] options, which stay the initial
-- values); other classes are stored and shown, as Nova and Cinder do, and affect nobody.
CREATE TABLE quota_class_limits (
    class_name  VARCHAR(255) NOT NULL,
    resource    VARCHAR(255) NOT NULL,
    hard_limit  BIGINT       NOT NULL,
    PRIMARY KEY (class_name, resource)
);

-- Per-volume-type quotas (gigabytes_<type name>) need room for a 255-character type name.
ALTER TABLE quota_limits ALTER COLUMN resource TYPE VARCHAR(255);
ALTER TABLE quota_allocations ALTER COLUMN resource TYPE VARCHAR(255);
