-- Roll-up days in the v2 layout (src/db/check-encoding.ts): an hour without failures no longer
-- stores its two zero counts. `rollup_day_v2` is registered by openDatabase.
UPDATE check_rollups SET data = rollup_day_v2(data);
