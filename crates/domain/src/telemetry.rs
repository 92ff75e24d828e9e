//! Park monitoring (小微园实时监控): the kinds of device a park installs, the metrics each
//! reports with their units and physical ranges, the checks a reading must pass, and the time
//! buckets of the rollups. Plain data and functions; the store and the server do the I/O.

use serde::{Deserialize, Serialize};

/// One measured quantity of a kind of device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MetricDef {
    pub key: String,
    pub unit: String,
    /// The physically possible range; a reading outside it is refused.
    pub min: f64,
    pub max: f64,
    /// A running total (a meter's register): consumption is the difference of two readings.
    #[serde(default)]
    pub counter: bool,
}

/// A kind of device and its metrics: one of the built-in kinds, or a county-defined one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KindDef {
    pub code: String,
    /// The name shown for a county-defined kind (built-in kinds are named by the catalogue).
    #[serde(default)]
    pub name: String,
    pub metrics: Vec<MetricDef>,
    #[serde(default)]
    pub builtin: bool,
}

impl KindDef {
    pub fn metric(&self, key: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.key == key)
    }
}

/// (key, unit, min, max, counter)
type M = (&'static str, &'static str, f64, f64, bool);

/// The built-in kinds of the Wenling platform's seven areas: people flow, logistics, energy,
/// environment, production capacity, fire safety and production safety.
const BUILTIN: &[(&str, &[M])] = &[
    ("electricity_meter", &[("energy_kwh", "kWh", 0.0, 1e12, true), ("power_kw", "kW", 0.0, 1e5, false)]),
    ("water_meter", &[("water_m3", "m³", 0.0, 1e10, true), ("flow_m3h", "m³/h", 0.0, 1e4, false)]),
    ("gas_meter", &[("gas_m3", "m³", 0.0, 1e10, true)]),
    ("people_counter", &[("people_in", "人次", 0.0, 1e5, false), ("people_out", "人次", 0.0, 1e5, false)]),
    ("vehicle_gate", &[("vehicles_in", "辆次", 0.0, 1e4, false), ("vehicles_out", "辆次", 0.0, 1e4, false)]),
    (
        "environment_sensor",
        &[
            ("pm25", "μg/m³", 0.0, 1000.0, false),
            ("pm10", "μg/m³", 0.0, 2000.0, false),
            ("noise_db", "dB(A)", 0.0, 150.0, false),
            ("voc", "mg/m³", 0.0, 1000.0, false),
            ("cod", "mg/L", 0.0, 10000.0, false),
        ],
    ),
    ("fire_panel", &[("fire_alarm", "", 0.0, 1.0, false), ("fault", "", 0.0, 1.0, false)]),
    ("gas_detector", &[("smoke", "", 0.0, 1.0, false), ("gas_lel", "%LEL", 0.0, 100.0, false)]),
    ("line_counter", &[("pieces", "件", 0.0, 1e7, false), ("running", "", 0.0, 1.0, false)]),
];

/// The built-in kinds with their metrics.
pub fn builtin_kinds() -> Vec<KindDef> {
    BUILTIN
        .iter()
        .map(|(code, metrics)| KindDef {
            code: code.to_string(),
            name: String::new(),
            builtin: true,
            metrics: metrics
                .iter()
                .map(|(key, unit, min, max, counter)| MetricDef {
                    key: key.to_string(),
                    unit: unit.to_string(),
                    min: *min,
                    max: *max,
                    counter: *counter,
                })
                .collect(),
        })
        .collect()
}

/// A device as registered or changed (its park is fixed at registration).
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DeviceDraft {
    pub building_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub kind: String,
    pub serial: String,
    pub name: String,
    pub active: bool,
}

/// A device as entered in a form or an API body.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct DeviceForm {
    pub kind: String,
    /// The device's own identifier (meter number, sensor serial): letters, digits, - _ . :
    pub serial: String,
    pub name: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub building_id: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub unit_id: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub enterprise_id: String,
    /// "on"/"true" or empty: a new device is active unless asked otherwise.
    pub inactive: String,
}

impl DeviceForm {
    pub fn validate(&self, kinds: &[KindDef]) -> Result<DeviceDraft, crate::Invalid> {
        let mut c = crate::validation::Checker::new();
        let kind = c.text("kind", &self.kind, 40);
        if !kind.is_empty() && !kinds.iter().any(|k| k.code == kind) {
            c.push(crate::FieldError::new("kind", "error.unknown_choice").with("value", &kind));
        }
        let serial = c.text("serial", &self.serial, 64);
        if !serial.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.:".contains(ch)) {
            c.push(crate::FieldError::new("serial", "error.serial_chars"));
        }
        let name = c.text("name", &self.name, 100);
        let mut id = |field: &str, v: &str| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            match v.parse::<i64>() {
                Ok(x) if x > 0 => Some(x),
                _ => {
                    c.push(crate::FieldError::new(field, "error.not_integer").with("value", v));
                    None
                }
            }
        };
        let building_id = id("building_id", &self.building_id);
        let unit_id = id("unit_id", &self.unit_id);
        let enterprise_id = id("enterprise_id", &self.enterprise_id);
        let active = !matches!(self.inactive.trim(), "on" | "true" | "1");
        c.finish(DeviceDraft { building_id, unit_id, enterprise_id, kind, serial, name, active })
    }
}

/// A county-defined kind as entered: its code, name and metrics, one a line:
/// `key unit min max [counter]` (e.g. `temp_c ℃ -40 125`).
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct KindForm {
    pub code: String,
    pub name: String,
    pub metrics: String,
}

fn is_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl KindForm {
    pub fn validate(&self) -> Result<KindDef, crate::Invalid> {
        let mut c = crate::validation::Checker::new();
        let code = c.text("code", &self.code, 40);
        if !code.is_empty() && !is_key(&code) {
            c.push(crate::FieldError::new("code", "error.key_chars"));
        }
        let name = c.text("name", &self.name, 60);
        let mut metrics: Vec<MetricDef> = Vec::new();
        for (i, line) in self.metrics.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let bad = || crate::FieldError::new("metrics", "error.metric_line").with("line", i + 1).with("value", line);
            let (key, unit, min, max) = match parts.as_slice() {
                [k, u, a, b] | [k, u, a, b, _] => (*k, *u, a.parse::<f64>(), b.parse::<f64>()),
                _ => {
                    c.push(bad());
                    continue;
                }
            };
            let counter = parts.get(4).is_some_and(|w| *w == "counter");
            match (min, max) {
                (Ok(min), Ok(max)) if is_key(key) && min < max && (parts.len() == 4 || counter) => {
                    if metrics.iter().any(|m| m.key == key) {
                        c.push(crate::FieldError::new("metrics", "error.duplicate_in_list").with("value", key));
                    }
                    metrics.push(MetricDef { key: key.into(), unit: unit.into(), min, max, counter });
                }
                _ => c.push(bad()),
            }
        }
        if metrics.is_empty() && !self.metrics.lines().any(|l| !l.trim().is_empty()) {
            c.push(crate::FieldError::new("metrics", "error.required"));
        }
        c.finish(KindDef { code, name, metrics, builtin: false })
    }
}

/// How far ahead of the server's clock a reading's time may be (devices' clocks drift).
pub const MAX_FUTURE_MS: i64 = 5 * 60_000;

/// Why a reading was refused. The code is stable for clients; the server words it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// No device of that serial, or not with that token: one answer for both, so that a caller
    /// without a token cannot learn which serials exist.
    WrongToken,
    DeviceDisabled,
    UnknownMetric,
    OutOfRange {
        min: f64,
        max: f64,
    },
    NotANumber,
    InTheFuture {
        max_ms: i64,
    },
    BadTimestamp,
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::WrongToken => "wrong_token",
            Rejection::DeviceDisabled => "device_disabled",
            Rejection::UnknownMetric => "unknown_metric",
            Rejection::OutOfRange { .. } => "out_of_range",
            Rejection::NotANumber => "not_a_number",
            Rejection::InTheFuture { .. } => "in_the_future",
            Rejection::BadTimestamp => "bad_timestamp",
        }
    }
}

/// The checks of one reading of a known, authenticated device: its metric, its value and its time.
pub fn check_reading(kind: &KindDef, metric: &str, ts_ms: i64, value: f64, now_ms: i64) -> Result<(), Rejection> {
    let m = kind.metric(metric).ok_or(Rejection::UnknownMetric)?;
    if !value.is_finite() {
        return Err(Rejection::NotANumber);
    }
    if value < m.min || value > m.max {
        return Err(Rejection::OutOfRange { min: m.min, max: m.max });
    }
    if ts_ms <= 0 {
        return Err(Rejection::BadTimestamp);
    }
    if ts_ms > now_ms + MAX_FUTURE_MS {
        return Err(Rejection::InTheFuture { max_ms: now_ms + MAX_FUTURE_MS });
    }
    Ok(())
}

/// A reading's time: milliseconds since the epoch, or RFC 3339 text ("2026-12-01T08:00:00+08:00",
/// "…Z"). Seconds since the epoch (under 10^11) are taken as seconds.
pub fn parse_timestamp(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => {
            let x =
                n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite() && f.abs() < 9.0e15).map(|f| f as i64))?;
            // Beyond ±10^15 ms (year 33,658) no device means it: refused, never overflowed.
            if x.unsigned_abs() >= 1_000_000_000_000_000 {
                return None;
            }
            Some(if x.unsigned_abs() < 100_000_000_000 { x * 1000 } else { x })
        }
        serde_json::Value::String(s) => parse_rfc3339(s),
        _ => None,
    }
}

/// "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" to epoch milliseconds, by the `time` crate's RFC 3339
/// parser: impossible dates (2026-02-31) and times are refused, not rolled over. A space may
/// stand for the `T`, as many devices write it.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let fixed;
    let s = if s.len() > 10 && s.as_bytes()[10] == b' ' && s.is_char_boundary(11) {
        fixed = format!("{}T{}", &s[..10], &s[11..]);
        fixed.as_str()
    } else {
        s
    };
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

code_enum! {
    /// The rollup buckets: live pages and charts read these, never the raw readings.
    Bucket {
        FiveMinutes = "5m",
        Hour = "1h",
        Day = "1d",
    }
}

const SHANGHAI_MS: i64 = 8 * 3_600_000;

impl Bucket {
    /// The start of the bucket holding `ts` (days begin at midnight in Asia/Shanghai).
    pub fn start(self, ts: i64) -> i64 {
        match self {
            Bucket::FiveMinutes => ts.div_euclid(300_000) * 300_000,
            Bucket::Hour => ts.div_euclid(3_600_000) * 3_600_000,
            Bucket::Day => (ts + SHANGHAI_MS).div_euclid(86_400_000) * 86_400_000 - SHANGHAI_MS,
        }
    }
}

/// A rollup row: the readings of one device and metric in one bucket.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Rollup {
    pub device_id: i64,
    pub metric: String,
    pub start_ts: i64,
    pub n: i64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    pub last: f64,
    pub last_ts: i64,
}

/// Default limits the live pages compare environment readings with (alarm rules may set others):
/// (metric, limit, the standard it comes from).
pub const ENVIRONMENT_LIMITS: &[(&str, f64, &str)] = &[
    ("pm25", 75.0, "GB 3095-2012 二级 24 小时平均"),
    ("pm10", 150.0, "GB 3095-2012 二级 24 小时平均"),
    ("noise_db", 65.0, "GB 3096-2008 3 类区昼间"),
    ("voc", 4.0, "GB 16297-1996 非甲烷总烃无组织排放监控浓度"),
    ("cod", 500.0, "GB 8978-1996 三级标准"),
    ("gas_lel", 25.0, "GB/T 50493-2019 一级报警设定值"),
];

/// A park's day so far, from its devices' day rollups (today and yesterday) and their latest
/// 5-minute rollups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ParkDay {
    pub devices: usize,
    pub online: usize,
    pub people_in: f64,
    pub people_out: f64,
    pub vehicles_in: f64,
    pub vehicles_out: f64,
    /// Electricity used today and yesterday (kWh), from the meters' registers.
    pub energy_today_kwh: f64,
    pub energy_yesterday_kwh: f64,
    pub water_today_m3: f64,
    pub pieces_today: f64,
    /// The latest environment readings against their limits: (metric, value, limit, over).
    pub environment: Vec<(String, f64, f64, bool)>,
    /// Fire and safety inputs now on (a fire alarm, a fault, smoke), by device.
    pub safety_on: Vec<(i64, String)>,
}

/// What a counter used within a day: its last reading less its first (the day's min).
fn used(r: &Rollup) -> f64 {
    (r.last - r.min).max(0.0)
}

/// Sum a park's day from rollups (`latest`: the last 5-minute rollup of each device and metric).
pub fn park_day(
    devices: &[(i64, Option<i64>)],
    today: &[Rollup],
    yesterday: &[Rollup],
    latest: &[Rollup],
    now_ms: i64,
) -> ParkDay {
    let mut d = ParkDay {
        devices: devices.len(),
        online: devices.iter().filter(|(_, seen)| online(*seen, now_ms)).count(),
        ..Default::default()
    };
    for r in today {
        match r.metric.as_str() {
            "people_in" => d.people_in += r.sum,
            "people_out" => d.people_out += r.sum,
            "vehicles_in" => d.vehicles_in += r.sum,
            "vehicles_out" => d.vehicles_out += r.sum,
            "pieces" => d.pieces_today += r.sum,
            "energy_kwh" => d.energy_today_kwh += used(r),
            "water_m3" => d.water_today_m3 += used(r),
            _ => {}
        }
    }
    d.energy_yesterday_kwh = yesterday.iter().filter(|r| r.metric == "energy_kwh").map(used).sum();
    for (metric, limit, _) in ENVIRONMENT_LIMITS {
        // The highest latest value among the park's sensors of that metric.
        if let Some(v) = latest.iter().filter(|r| r.metric == *metric).map(|r| r.last).reduce(f64::max) {
            d.environment.push((metric.to_string(), v, *limit, v > *limit));
        }
    }
    for r in latest {
        if matches!(r.metric.as_str(), "fire_alarm" | "fault" | "smoke") && r.last >= 1.0 {
            d.safety_on.push((r.device_id, r.metric.clone()));
        }
    }
    d
}

/// One figure of a park by hour, today against yesterday (hours 0–23 of each day, Asia/Shanghai;
/// None where no device said anything).
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Curve {
    pub metric: String,
    pub today: Vec<Option<f64>>,
    pub yesterday: Vec<Option<f64>>,
    /// The limit the live page compares it with (environment), if any.
    pub limit: Option<f64>,
}

/// The figures the live page draws by hour: people in and out (counted per hour), electricity
/// and water (what the registers counted in the hour, from the hour before's reading), and each
/// environment metric (the highest reading of the hour) against its limit. Only figures some
/// device reported over the two days are given. `today` is the start of today.
pub fn park_curves(hours: &[Rollup], today: i64) -> Vec<Curve> {
    const H: i64 = 3_600_000;
    let yesterday = today - 24 * H;
    let slot = |ts: i64| -> Option<(bool, usize)> {
        if ts >= today && ts < today + 24 * H {
            Some((true, ((ts - today) / H) as usize))
        } else if ts >= yesterday && ts < today {
            Some((false, ((ts - yesterday) / H) as usize))
        } else {
            None
        }
    };
    let mut curves = Vec::new();
    let mut push = |metric: &str, by_hour: Vec<(i64, f64)>, limit: Option<f64>| {
        if by_hour.is_empty() {
            return;
        }
        let mut c = Curve { metric: metric.to_string(), today: vec![None; 24], yesterday: vec![None; 24], limit };
        for (ts, v) in by_hour {
            if let Some((is_today, h)) = slot(ts) {
                let cell = if is_today { &mut c.today[h] } else { &mut c.yesterday[h] };
                *cell = Some(((cell.unwrap_or(0.0) + v) * 100.0).round() / 100.0);
            }
        }
        curves.push(c);
    };
    for metric in ["people_in", "people_out"] {
        push(metric, hours.iter().filter(|r| r.metric == metric).map(|r| (r.start_ts, r.sum)).collect(), None);
    }
    for metric in ["energy_kwh", "water_m3"] {
        let points: Vec<(i64, i64, f64, f64)> =
            hours.iter().filter(|r| r.metric == metric).map(|r| (r.device_id, r.start_ts, r.min, r.last)).collect();
        push(metric, crate::operation::counted(&points, H).into_iter().collect(), None);
    }
    for (metric, limit, _) in ENVIRONMENT_LIMITS {
        let mut highest: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::new();
        for r in hours.iter().filter(|r| r.metric == *metric) {
            let e = highest.entry(r.start_ts).or_insert(f64::MIN);
            *e = e.max(r.max);
        }
        push(metric, highest.into_iter().collect(), Some(*limit));
    }
    curves
}

/// What a meter counted over [from, to): its last reading before `to` less its last reading
/// before `from` (or, when it started within the period, its first reading), from day rollups
/// of one device and metric in any order.
pub fn metered(days: &[Rollup], from: i64, to: i64) -> Option<f64> {
    let mut sorted: Vec<&Rollup> = days.iter().collect();
    sorted.sort_by_key(|r| r.start_ts);
    let before = sorted.iter().rev().find(|r| r.start_ts < from).map(|r| r.last);
    let inside: Vec<&&Rollup> = sorted.iter().filter(|r| r.start_ts >= from && r.start_ts < to).collect();
    let end = inside.last()?.last;
    let start = before.unwrap_or(inside[0].min);
    Some((end - start).max(0.0))
}

/// An enterprise's reported electricity for a month against its meters' total.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reconciliation {
    pub reported_kwh: Option<f64>,
    pub metered_kwh: Option<f64>,
    /// Reported less metered, as a share of metered (%).
    pub difference_pct: Option<f64>,
    /// The difference is larger than the tolerance, or one side is missing.
    pub flagged: bool,
}

pub fn reconcile(reported_kwh: Option<f64>, metered_kwh: Option<f64>, tolerance_pct: f64) -> Reconciliation {
    let difference_pct = match (reported_kwh, metered_kwh) {
        (Some(r), Some(m)) if m > 0.0 => Some(((r - m) / m * 10_000.0).round() / 100.0),
        _ => None,
    };
    let flagged = match (reported_kwh, metered_kwh, difference_pct) {
        (_, _, Some(d)) => d.abs() > tolerance_pct,
        (Some(r), Some(m), None) => r != m,
        _ => true,
    };
    Reconciliation { reported_kwh, metered_kwh, difference_pct, flagged }
}

/// A device is online when it has been heard from within this many minutes.
pub const ONLINE_MINUTES: i64 = 15;

pub fn online(last_seen_ms: Option<i64>, now_ms: i64) -> bool {
    last_seen_ms.is_some_and(|t| now_ms - t <= ONLINE_MINUTES * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter() -> KindDef {
        builtin_kinds().into_iter().find(|k| k.code == "electricity_meter").unwrap()
    }

    #[test]
    fn readings_are_checked_against_their_metric() {
        let now = 1_764_547_200_000;
        let k = meter();
        assert_eq!(check_reading(&k, "energy_kwh", now, 12.5, now), Ok(()));
        assert_eq!(check_reading(&k, "pm25", now, 12.5, now), Err(Rejection::UnknownMetric));
        assert_eq!(
            check_reading(&k, "energy_kwh", now, -0.01, now),
            Err(Rejection::OutOfRange { min: 0.0, max: 1e12 })
        );
        assert_eq!(check_reading(&k, "power_kw", now, f64::NAN, now), Err(Rejection::NotANumber));
        // Five minutes of clock drift are accepted; more is not.
        assert_eq!(check_reading(&k, "power_kw", now + MAX_FUTURE_MS, 1.0, now), Ok(()));
        assert!(matches!(
            check_reading(&k, "power_kw", now + MAX_FUTURE_MS + 1, 1.0, now),
            Err(Rejection::InTheFuture { .. })
        ));
    }

    #[test]
    fn timestamps_in_milliseconds_seconds_or_rfc3339() {
        let ms = 1_764_547_200_000; // 2025-12-01T00:00:00Z
        assert_eq!(parse_timestamp(&serde_json::json!(ms)), Some(ms));
        assert_eq!(parse_timestamp(&serde_json::json!(ms / 1000)), Some(ms));
        assert_eq!(parse_timestamp(&serde_json::json!("2025-12-01T00:00:00Z")), Some(ms));
        assert_eq!(parse_timestamp(&serde_json::json!("2025-12-01T08:00:00+08:00")), Some(ms));
        assert_eq!(parse_timestamp(&serde_json::json!("2025-12-01T08:00:00.25+08:00")), Some(ms + 250));
        assert_eq!(parse_timestamp(&serde_json::json!("2025-13-01T08:00:00Z")), None);
        assert_eq!(parse_timestamp(&serde_json::json!("yesterday")), None);
        // Extreme numbers are refused, not overflowed (a panic before).
        for extreme in [
            serde_json::json!(i64::MIN),
            serde_json::json!(i64::MAX),
            serde_json::json!(-1e300),
            serde_json::json!(1e300),
        ] {
            assert_eq!(parse_timestamp(&extreme), None, "{extreme}");
        }
        // Impossible dates and times are refused, not rolled over into the next month.
        for bad in ["2026-02-31T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T12:00:00Z", "2026-01-01T24:00:00Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert!(parse_rfc3339("2024-02-29T00:00:00Z").is_some(), "a leap day");
        assert_eq!(parse_rfc3339("2025-12-01 08:00:00+08:00"), Some(ms), "a space for the T");
    }

    #[test]
    fn days_begin_at_midnight_in_shanghai() {
        // 2025-12-01T00:30+08:00 is 2025-11-30T16:30Z: its day starts at 2025-11-30T16:00Z.
        let t = parse_rfc3339("2025-12-01T00:30:00+08:00").unwrap();
        assert_eq!(Bucket::Day.start(t), parse_rfc3339("2025-12-01T00:00:00+08:00").unwrap());
        assert_eq!(Bucket::Hour.start(t), parse_rfc3339("2025-12-01T00:00:00+08:00").unwrap());
        assert_eq!(Bucket::FiveMinutes.start(t + 299_999), t);
    }

    #[test]
    fn a_park_day_sums_flows_and_counters_and_flags_limits() {
        let r = |device_id: i64, metric: &str, min: f64, sum: f64, last: f64| Rollup {
            device_id,
            metric: metric.into(),
            start_ts: 0,
            n: 1,
            min,
            max: last,
            sum,
            last,
            last_ts: 0,
        };
        let today = [
            r(1, "energy_kwh", 1000.0, 0.0, 1250.5),
            r(2, "people_in", 0.0, 310.0, 4.0),
            r(3, "people_in", 0.0, 90.0, 0.0),
        ];
        let yesterday = [r(1, "energy_kwh", 700.0, 0.0, 1000.0)];
        let latest = [
            r(4, "pm25", 0.0, 0.0, 80.0),
            r(5, "pm25", 0.0, 0.0, 30.0),
            r(6, "fault", 0.0, 0.0, 1.0),
            r(6, "fire_alarm", 0.0, 0.0, 0.0),
        ];
        let now = 10_000_000;
        let d = park_day(&[(1, Some(now)), (2, None)], &today, &yesterday, &latest, now);
        assert_eq!((d.devices, d.online), (2, 1));
        assert_eq!((d.energy_today_kwh, d.energy_yesterday_kwh, d.people_in), (250.5, 300.0, 400.0));
        assert_eq!(d.environment, [("pm25".to_string(), 80.0, 75.0, true)]);
        assert_eq!(d.safety_on, [(6, "fault".to_string())]);
    }

    #[test]
    fn curves_give_each_hour_of_today_beside_the_same_hour_yesterday() {
        const H: i64 = 3_600_000;
        let today = 100 * 24 * H;
        let r = |device_id: i64, metric: &str, start_ts: i64, min: f64, max: f64, sum: f64, last: f64| Rollup {
            device_id,
            metric: metric.into(),
            start_ts,
            n: 1,
            min,
            max,
            sum,
            last,
            last_ts: start_ts,
        };
        let hours = [
            // Two gates at 08:00 today, one yesterday.
            r(1, "people_in", today + 8 * H, 0.0, 0.0, 30.0, 0.0),
            r(2, "people_in", today + 8 * H, 0.0, 0.0, 12.0, 0.0),
            r(1, "people_in", today - 16 * H, 0.0, 0.0, 25.0, 0.0),
            // A register: yesterday 23:00 ends at 500; today 00:00 reads 505 to 520, so 20 kWh.
            r(7, "energy_kwh", today - H, 490.0, 500.0, 0.0, 500.0),
            r(7, "energy_kwh", today, 505.0, 520.0, 0.0, 520.0),
            // Two PM10 sensors at 09:00: the higher one counts.
            r(4, "pm10", today + 9 * H, 100.0, 251.96, 0.0, 120.0),
            r(5, "pm10", today + 9 * H, 20.0, 40.0, 0.0, 30.0),
            // Outside the two days: ignored.
            r(1, "people_in", today + 24 * H, 0.0, 0.0, 99.0, 0.0),
        ];
        let c = park_curves(&hours, today);
        let of = |m: &str| c.iter().find(|c| c.metric == m).unwrap();
        assert_eq!((of("people_in").today[8], of("people_in").yesterday[8]), (Some(42.0), Some(25.0)));
        assert_eq!(of("people_in").today[9], None);
        assert_eq!((of("energy_kwh").today[0], of("energy_kwh").yesterday[23]), (Some(20.0), Some(10.0)));
        assert_eq!((of("pm10").today[9], of("pm10").limit), (Some(251.96), Some(150.0)));
        assert!(c.iter().all(|c| c.metric != "people_out" && c.metric != "water_m3"), "only what was reported");
    }

    #[test]
    fn a_month_is_metered_from_register_to_register() {
        let day = |start_ts: i64, min: f64, last: f64| Rollup {
            device_id: 1,
            metric: "energy_kwh".into(),
            start_ts,
            n: 10,
            min,
            max: last,
            sum: 0.0,
            last,
            last_ts: start_ts + 1,
        };
        // The day before the month ended at 1,000 kWh; the month's last day at 1,800.
        let days =
            [day(300, 1805.0, 1900.0), day(100, 1010.0, 1500.0), day(50, 900.0, 1000.0), day(200, 1500.0, 1800.0)];
        assert_eq!(metered(&days, 100, 300), Some(800.0));
        // A meter installed within the month counts from its first reading.
        assert_eq!(metered(&days[1..2], 100, 300), Some(490.0));
        assert_eq!(metered(&days, 400, 500), None);
        // Within 10 %: not flagged; beyond, or a side missing: flagged.
        assert!(!reconcile(Some(850.0), Some(800.0), 10.0).flagged);
        let r = reconcile(Some(1000.0), Some(800.0), 10.0);
        assert_eq!((r.difference_pct, r.flagged), (Some(25.0), true));
        assert!(reconcile(None, Some(800.0), 10.0).flagged);
    }

    #[test]
    fn online_means_heard_from_recently() {
        assert!(online(Some(1_000_000), 1_000_000 + ONLINE_MINUTES * 60_000));
        assert!(!online(Some(1_000_000), 1_000_001 + ONLINE_MINUTES * 60_000));
        assert!(!online(None, 0));
    }
}
