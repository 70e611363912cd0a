-- Monitoring series (water, air, statistics) and the targets judged from them.

CREATE TABLE series_sites (
    name  TEXT PRIMARY KEY,
    kind  TEXT NOT NULL CHECK (kind IN ('water', 'air', 'statistic')),
    lake  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE observations (
    site   TEXT NOT NULL REFERENCES series_sites(name),
    item   TEXT NOT NULL,
    time   TEXT NOT NULL,
    value  TEXT NOT NULL,
    flag   TEXT,
    valid  INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (site, item, time)
);

-- A target judged from monitoring data instead of units' reports (by task number and target
-- position, so it holds across plan versions).
CREATE TABLE target_links (
    plan_id     INTEGER NOT NULL REFERENCES plans(id),
    task_code   TEXT NOT NULL,
    target_seq  INTEGER NOT NULL,
    target      TEXT NOT NULL,
    PRIMARY KEY (plan_id, task_code, target_seq)
);
