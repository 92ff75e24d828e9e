//! The demo's enterprise meters (generated, named so): every demo enterprise gets an electricity
//! meter whose register follows a deterministic pattern in (enterprise, time) from 5 January 2026:
//! weekdays against weekends, the Spring Festival (a slow start before it, near nothing during it,
//! a ramp back after it), the National Day week, and some enterprises reduced or stopped in the
//! last weeks. The history is one reading a day and, for the last three days, one an hour;
//! `weiyuan simulate` continues the same registers forward. The days are then checked.

use weiyuan_domain::operation::{Calendar, DayKind, Settings, day_of, day_start, parse_day};
use weiyuan_domain::telemetry::DeviceDraft;
use weiyuan_store::telemetry::Reading;
use weiyuan_store::{AuditCtx, Store};

/// Serials of the generated enterprise meters: `GEN-EM-{enterprise id}`.
pub const SERIAL_PREFIX: &str = "GEN-EM-";

/// The first day of the generated history.
pub fn first_day() -> i64 {
    parse_day("2026-01-05").expect("a date")
}

/// A repeatable number in [0, 1) for an enterprise and a salt.
fn noise(seed: i64, salt: i64) -> f64 {
    let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (salt as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// What the enterprise's pattern says of a day.
pub fn daily_kwh(seed: i64, day: i64, cal: &Calendar) -> f64 {
    let base = 300.0 + 2700.0 * noise(seed, 1);
    let spring = parse_day("2026-02-15").expect("a date");
    let mut f = match cal.kind(day) {
        DayKind::Working => 1.0,
        DayKind::Weekend => 0.15 + 0.25 * noise(seed, 2),
        DayKind::Holiday if (spring..spring + 9).contains(&day) => 0.03,
        DayKind::Holiday => 0.1,
    };
    // Before the festival the workers leave; after it they come back over two weeks.
    if (spring - 4..spring).contains(&day) {
        f *= 0.6;
    }
    if (spring + 9..spring + 23).contains(&day) {
        f *= 0.4 + 0.6 * (day - spring - 9) as f64 / 14.0;
    }
    // One enterprise in 29 stopped on 24 November 2026; one in 17 has run at a fifth since 26
    // November (a baseline over recent weeks soon takes a lasting change as the new normal).
    if seed % 29 == 5 && day >= parse_day("2026-11-24").expect("a date") {
        f = 0.0;
    } else if seed % 17 == 3 && day >= parse_day("2026-11-26").expect("a date") {
        f *= 0.2;
    }
    let wobble = 0.9 + 0.2 * noise(seed, day);
    (base * f * wobble * 100.0).round() / 100.0
}

/// The share of a day's use by a minute of the day: a twelfth of the load at night, all of it
/// from 08:00 to 18:00.
fn share(minute: i64) -> f64 {
    let m = minute.clamp(0, 1440) as f64;
    let (night, day) = (0.12, 1.0);
    let per_day = 480.0 * night + 600.0 * day + 360.0 * night;
    let done = m.min(480.0) * night + (m - 480.0).clamp(0.0, 600.0) * day + (m - 1080.0).max(0.0) * night;
    done / per_day
}

/// The meter's register at `ts`: a base, the whole days since the history began, and the day's
/// share so far.
pub fn register_at(seed: i64, ts: i64, cal: &Calendar) -> f64 {
    let day = day_of(ts);
    let minute = (ts - day_start(day)) / 60_000;
    let mut total = 10_000.0 + 50_000.0 * noise(seed, 3);
    for d in first_day()..day {
        total += daily_kwh(seed, d, cal);
    }
    total += daily_kwh(seed, day, cal) * share(minute);
    (total * 100.0).round() / 100.0
}

/// Meters for every demo enterprise without one, their history up to now, and the days checked.
/// Returns the readings stored.
pub async fn load(store: &Store) -> anyhow::Result<usize> {
    let existing = store.list_devices(&weiyuan_domain::access::ParkScope::All).await?;
    if existing.iter().any(|d| d.serial.starts_with(SERIAL_PREFIX)) {
        return Ok(0);
    }
    let ctx = AuditCtx::system("demo");
    let now = weiyuan_store::now_ms();
    let today = day_of(now);
    let cal = Settings::default().calendar();
    let enterprises = store.list_enterprises_in(&weiyuan_domain::access::ParkScope::All).await?;
    let mut readings = Vec::new();
    for e in &enterprises {
        let draft = DeviceDraft {
            kind: weiyuan_store::operation::METER_KIND.into(),
            serial: format!("{SERIAL_PREFIX}{}", e.id),
            name: format!("模拟电表（生成数据）· {}", e.name),
            enterprise_id: Some(e.id),
            active: true,
            ..Default::default()
        };
        let hash = weiyuan_server::auth::token_hash(&weiyuan_server::telemetry::new_token());
        let desk = crate::demo::county_desk(e.park_id)?;
        let d = store.create_device(&desk, &ctx, &draft, &hash).await?;
        // One reading a day (at 23:00) and, for the last three days, one an hour: the register
        // is summed once per enterprise as the days go by.
        let mut register = 10_000.0 + 50_000.0 * noise(e.id, 3);
        for day in first_day()..today {
            let use_kwh = daily_kwh(e.id, day, &cal);
            let hours: Vec<i64> = if day >= today - 3 { (0..24).collect() } else { vec![23] };
            for hour in hours {
                readings.push(Reading {
                    device_id: d.id,
                    park_id: e.park_id,
                    metric: "energy_kwh".into(),
                    ts: day_start(day) + hour * 3_600_000,
                    value: ((register + use_kwh * share(hour * 60)) * 100.0).round() / 100.0,
                });
            }
            register += use_kwh;
        }
        // Today so far.
        let v = ((register + daily_kwh(e.id, today, &cal) * share((now - day_start(today)) / 60_000)) * 100.0).round()
            / 100.0;
        readings.push(Reading { device_id: d.id, park_id: e.park_id, metric: "energy_kwh".into(), ts: now, value: v });
    }
    let mut stored = 0;
    for chunk in readings.chunks(10_000) {
        stored += store.ingest(chunk).await?;
    }
    weiyuan_server::operation::check_range(store, first_day() + 1, today - 1, now).await?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_has_weekends_the_festival_and_some_stops() {
        let cal = Settings::default().calendar();
        let today = parse_day("2026-12-02").unwrap();
        let seed = 42;
        let monday = daily_kwh(seed, parse_day("2026-11-23").unwrap(), &cal);
        let sunday = daily_kwh(seed, parse_day("2026-11-22").unwrap(), &cal);
        let festival = daily_kwh(seed, parse_day("2026-02-17").unwrap(), &cal);
        assert!(sunday < monday * 0.5 && festival < monday * 0.1, "{monday} {sunday} {festival}");
        let stopped = (1..200).find(|s| s % 29 == 5).unwrap();
        assert_eq!(daily_kwh(stopped, today - 2, &cal), 0.0);
        // The register only grows, and a day's readings differ by that day's use.
        let d = parse_day("2026-11-24").unwrap();
        let a = register_at(seed, day_start(d) + 23 * 3_600_000, &cal);
        let b = register_at(seed, day_start(d + 1) + 23 * 3_600_000, &cal);
        let expected =
            daily_kwh(seed, d, &cal) * (1.0 - share(23 * 60)) + daily_kwh(seed, d + 1, &cal) * share(23 * 60);
        assert!((b - a - expected).abs() < 0.05, "{a} {b} {expected}");
    }
}
