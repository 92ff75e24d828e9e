#![no_main]
//! The telemetry decoder on any body, as HTTP and MQTT deliver it: decoded, and each reading
//! checked as the ingest path checks it against every built-in kind of device.
use weiyuan_domain::telemetry::builtin_kinds;
use weiyuan_server::telemetry::{check_raw, decode};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(batch) = decode(bytes) else { return };
    assert!(!batch.readings.is_empty() && batch.readings.len() <= weiyuan_server::telemetry::MAX_BATCH);
    let kinds = builtin_kinds();
    let now = 1_800_000_000_000;
    for raw in &batch.readings {
        for kind in &kinds {
            if let Ok((ts, value)) = check_raw(kind, raw, now) {
                // What is accepted is a real time and a finite value within the metric's range.
                assert!(ts > 0 && value.is_finite());
                let m = kind.metric(&raw.metric).expect("an accepted metric is the kind's");
                assert!(value >= m.min && value <= m.max);
            }
        }
    }
});
