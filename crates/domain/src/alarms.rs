//! Alarms: the rules that watch the readings, how a stream of readings raises, extends and clears
//! an alarm, and when an alarm nobody acknowledged goes up a level (operator → township →
//! county). Pure: the store keeps the alarms and the server runs these rules over what it
//! ingests and, on a timer, over the silence of devices.

use crate::telemetry::KindDef;
use serde::{Deserialize, Serialize};

/// How serious an alarm is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.code() == s)
    }

    /// Minutes an alarm may stay unacknowledged before it goes up a level, unless the rule says.
    pub fn default_escalation_minutes(self) -> i64 {
        match self {
            Severity::Critical => 5,
            Severity::Warning => 30,
            Severity::Info => 0,
        }
    }
}

/// Who is told of an alarm: the park's operator first, then the township, then the county.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Park,
    Township,
    County,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Park, Level::Township, Level::County];

    pub fn code(self) -> &'static str {
        match self {
            Level::Park => "park",
            Level::Township => "township",
            Level::County => "county",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|v| v.code() == s)
    }

    pub fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(r: i64) -> Level {
        match r {
            0 => Level::Park,
            1 => Level::Township,
            _ => Level::County,
        }
    }

    pub fn next(self) -> Option<Level> {
        match self {
            Level::Park => Some(Level::Township),
            Level::Township => Some(Level::County),
            Level::County => None,
        }
    }
}

/// What a rule watches for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// A reading above the threshold.
    Above { threshold: f64 },
    /// A reading below the threshold.
    Below { threshold: f64 },
    /// A change between two consecutive readings faster than this many units a minute (either way).
    Rate { per_minute: f64 },
    /// No reading at all from the device for this many minutes (the device is offline).
    NoData { minutes: i64 },
    /// An event input (a fire panel's alarm or fault, a detector): on while the value is not 0.
    Event,
    /// The enterprise the meter is bound to has stopped for the operation settings' working
    /// days in a row: raised and cleared by the daily operation check, not by readings.
    Stopped,
}

/// Consecutive readings further apart than this say nothing about a rate of change.
pub const RATE_MAX_GAP_MS: i64 = 60 * 60_000;

impl Condition {
    pub fn code(&self) -> &'static str {
        match self {
            Condition::Above { .. } => "above",
            Condition::Below { .. } => "below",
            Condition::Rate { .. } => "rate",
            Condition::NoData { .. } => "no_data",
            Condition::Event => "event",
            Condition::Stopped => "stopped",
        }
    }

    /// The number that goes with the condition (threshold, rate or minutes).
    pub fn figure(&self) -> Option<f64> {
        match *self {
            Condition::Above { threshold } | Condition::Below { threshold } => Some(threshold),
            Condition::Rate { per_minute } => Some(per_minute),
            Condition::NoData { minutes } => Some(minutes as f64),
            Condition::Event | Condition::Stopped => None,
        }
    }

    pub fn from_parts(code: &str, figure: Option<f64>) -> Option<Condition> {
        Some(match code {
            "above" => Condition::Above { threshold: figure? },
            "below" => Condition::Below { threshold: figure? },
            "rate" => Condition::Rate { per_minute: figure? },
            "no_data" => Condition::NoData { minutes: figure? as i64 },
            "event" => Condition::Event,
            "stopped" => Condition::Stopped,
            _ => return None,
        })
    }

    /// Whether a reading breaks the condition; `prev` is the reading before it (for a rate).
    /// None when it cannot tell (a rate without a recent reading before it; no-data, which is
    /// about silence, not values).
    pub fn broken(&self, ts: i64, value: f64, prev: Option<(i64, f64)>) -> Option<bool> {
        match *self {
            Condition::Above { threshold } => Some(value > threshold),
            Condition::Below { threshold } => Some(value < threshold),
            Condition::Event => Some(value != 0.0),
            Condition::Rate { per_minute } => {
                let (pts, pv) = prev?;
                let gap = ts - pts;
                if gap <= 0 || gap > RATE_MAX_GAP_MS {
                    return None;
                }
                Some((value - pv).abs() / (gap as f64 / 60_000.0) > per_minute)
            }
            Condition::NoData { .. } | Condition::Stopped => None,
        }
    }
}

/// Where a rule applies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Scope {
    /// One device.
    Device { device_id: i64 },
    /// Every device of a kind in one park, or in every park when `park_id` is None.
    Kind { kind: String, park_id: Option<i64> },
}

/// The minimum of a device that rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceRef<'a> {
    pub id: i64,
    pub park_id: i64,
    pub kind: &'a str,
}

/// A stored rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    /// The metric watched; empty for no-data rules.
    pub metric: String,
    pub condition: Condition,
    pub severity: Severity,
    /// Minutes unacknowledged before the alarm goes up a level; 0: it never does.
    pub escalate_minutes: i64,
    pub active: bool,
}

impl Rule {
    pub fn applies_to(&self, d: DeviceRef) -> bool {
        self.active
            && match &self.scope {
                Scope::Device { device_id } => *device_id == d.id,
                Scope::Kind { kind, park_id } => kind == d.kind && park_id.is_none_or(|p| p == d.park_id),
            }
    }

    /// The park a rule is bound to (None: every park).
    pub fn park(&self, device_park: impl Fn(i64) -> Option<i64>) -> Option<i64> {
        match &self.scope {
            Scope::Device { device_id } => device_park(*device_id),
            Scope::Kind { park_id, .. } => *park_id,
        }
    }
}

/// A rule as entered in a form or an API body.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RuleForm {
    pub name: String,
    /// "device" or "kind".
    pub scope: String,
    /// For a device rule: the device's serial.
    pub device: String,
    /// For a kind rule.
    pub kind: String,
    /// For a kind rule: one park, or empty for every park.
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub park_id: String,
    pub metric: String,
    /// above, below, rate, no_data, event or stopped.
    pub condition: String,
    /// Threshold, units a minute (rate) or minutes (no_data).
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub figure: String,
    pub severity: String,
    /// Empty: the severity's default.
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub escalate_minutes: String,
    /// "on"/"true" to create the rule switched off.
    pub inactive: String,
}

/// A checked rule, ready to store.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RuleDraft {
    pub name: String,
    pub scope: Scope,
    pub metric: String,
    pub condition: Condition,
    pub severity: Severity,
    pub escalate_minutes: i64,
    pub active: bool,
}

impl RuleForm {
    /// Check the form. `device` resolves a serial to (id, park, kind) for device rules.
    pub fn validate(
        &self,
        kinds: &[KindDef],
        device: impl Fn(&str) -> Option<(i64, i64, String)>,
    ) -> Result<RuleDraft, crate::Invalid> {
        use crate::FieldError;
        let mut c = crate::validation::Checker::new();
        let name = c.text("name", &self.name, 100);
        let condition_code = self.condition.trim();
        let no_data = condition_code == "no_data";
        let (scope, kind) = match self.scope.trim() {
            "device" => {
                let serial = c.text("device", &self.device, 64);
                match device(&serial) {
                    Some((id, _, kind)) => (Some(Scope::Device { device_id: id }), Some(kind)),
                    None => {
                        if !serial.is_empty() {
                            c.push(FieldError::new("device", "error.unknown_choice").with("value", &serial));
                        }
                        (None, None)
                    }
                }
            }
            "kind" => {
                let kind = c.text("kind", &self.kind, 40);
                if !kind.is_empty() && !kinds.iter().any(|k| k.code == kind) {
                    c.push(FieldError::new("kind", "error.unknown_choice").with("value", &kind));
                }
                let park_id = match self.park_id.trim() {
                    "" => None,
                    p => match p.parse::<i64>() {
                        Ok(v) if v > 0 => Some(v),
                        _ => {
                            c.push(FieldError::new("park_id", "error.not_integer").with("value", p));
                            None
                        }
                    },
                };
                (Some(Scope::Kind { kind: kind.clone(), park_id }), Some(kind))
            }
            other => {
                let code = if other.is_empty() { "error.required" } else { "error.unknown_choice" };
                c.push(FieldError::new("scope", code).with("value", other));
                (None, None)
            }
        };
        let metric = if no_data { String::new() } else { c.text("metric", &self.metric, 40) };
        let kind_def = kind.as_deref().and_then(|k| kinds.iter().find(|d| d.code == k));
        if let Some(k) = kind_def
            && !no_data
            && !metric.is_empty()
            && k.metric(&metric).is_none()
        {
            c.push(FieldError::new("metric", "error.unknown_choice").with("value", &metric));
        }
        let figure = self.figure.trim();
        let number = |c: &mut crate::validation::Checker| -> Option<f64> {
            match figure.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ if figure.is_empty() => {
                    c.push(FieldError::new("figure", "error.required"));
                    None
                }
                _ => {
                    c.push(FieldError::new("figure", "error.not_number"));
                    None
                }
            }
        };
        let condition = match condition_code {
            "above" | "below" => number(&mut c).and_then(|v| Condition::from_parts(condition_code, Some(v))),
            "rate" => number(&mut c).and_then(|v| {
                if v <= 0.0 {
                    c.push(FieldError::new("figure", "error.must_be_positive"));
                }
                Condition::from_parts("rate", Some(v))
            }),
            "no_data" => {
                let m = c.integer("figure", figure, 1, 10_080);
                Some(Condition::NoData { minutes: m })
            }
            "event" => Some(Condition::Event),
            "stopped" => Some(Condition::Stopped),
            other => {
                let code = if other.is_empty() { "error.required" } else { "error.unknown_choice" };
                c.push(FieldError::new("condition", code).with("value", other));
                None
            }
        };
        let severity = c.choice("severity", &self.severity, Severity::parse);
        let escalate_minutes = match self.escalate_minutes.trim() {
            "" => severity.map(Severity::default_escalation_minutes).unwrap_or(0),
            m => c.integer("escalate_minutes", m, 0, 1440),
        };
        let active = !matches!(self.inactive.trim(), "on" | "true" | "1");
        match (scope, condition, severity) {
            (Some(scope), Some(condition), Some(severity)) => {
                c.finish(RuleDraft { name, scope, metric, condition, severity, escalate_minutes, active })
            }
            _ => Err(c
                .finish(())
                .err()
                .unwrap_or_else(|| crate::Invalid::one(FieldError::new("condition", "error.required")))),
        }
    }
}

/// What a reading does to the alarm of one rule on one device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// A new alarm, from the reading at `ts`.
    Raise { ts: i64, value: f64 },
    /// The active alarm goes on: a later reading still breaks the rule.
    Extend { ts: i64, value: f64 },
    /// The active alarm ends: a later reading is back within the rule.
    Clear { ts: i64, value: f64 },
}

/// Run one rule over one device's readings of its metric (any order), given the active alarm's
/// last reading time (if one is active) and the stored reading before these (for a rate).
/// Readings not after the active alarm's last one change nothing: a batch sent again, or
/// readings arriving late, neither count twice nor end an alarm a later reading started.
pub fn run(
    condition: &Condition,
    active_last_ts: Option<i64>,
    prev: Option<(i64, f64)>,
    readings: &[(i64, f64)],
) -> Vec<Change> {
    let mut sorted: Vec<(i64, f64)> = readings.to_vec();
    sorted.sort_by_key(|r| r.0);
    sorted.dedup_by_key(|r| r.0);
    let mut state = active_last_ts;
    let mut prev = prev;
    let mut out = Vec::new();
    for (ts, value) in sorted {
        let broken = condition.broken(ts, value, prev);
        prev = Some((ts, value));
        if state.is_some_and(|last| ts <= last) {
            continue;
        }
        match (broken, state) {
            (Some(true), None) => {
                out.push(Change::Raise { ts, value });
                state = Some(ts);
            }
            (Some(true), Some(_)) => {
                out.push(Change::Extend { ts, value });
                state = Some(ts);
            }
            (Some(false), Some(_)) => {
                out.push(Change::Clear { ts, value });
                state = None;
            }
            _ => {}
        }
    }
    out
}

/// Whether a device has been silent long enough to break a no-data rule: nothing since it was
/// last seen (or, never seen, since it was registered).
pub fn silent(last_seen: Option<i64>, registered: i64, minutes: i64, now: i64) -> bool {
    now - last_seen.unwrap_or(registered) >= minutes * 60_000
}

/// The level an unacknowledged alarm should now be at: one up for every `minutes` it has
/// waited at its level. None when it stays where it is.
pub fn escalation(level: Level, since: i64, minutes: i64, now: i64) -> Option<Level> {
    if minutes <= 0 || now - since < minutes * 60_000 {
        return None;
    }
    level.next()
}

/// The life of an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Raised,
    Acknowledged,
    Cleared,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            State::Raised => "raised",
            State::Acknowledged => "acknowledged",
            State::Cleared => "cleared",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        [State::Raised, State::Acknowledged, State::Cleared].into_iter().find(|v| v.code() == s)
    }
}

/// The rules every county starts with (switched on, editable): fire and gas detection, and the
/// environment against the limits the live pages use.
pub fn default_rules() -> Vec<RuleDraft> {
    let kind = |k: &str| Scope::Kind { kind: k.to_string(), park_id: None };
    let rule = |name: &str, k: &str, metric: &str, condition: Condition, severity: Severity| RuleDraft {
        name: name.to_string(),
        scope: kind(k),
        metric: metric.to_string(),
        condition,
        severity,
        escalate_minutes: severity.default_escalation_minutes(),
        active: true,
    };
    let limit =
        |metric: &str| crate::telemetry::ENVIRONMENT_LIMITS.iter().find(|l| l.0 == metric).map(|l| l.1).unwrap_or(0.0);
    vec![
        rule("火灾报警", "fire_panel", "fire_alarm", Condition::Event, Severity::Critical),
        rule("消防主机故障", "fire_panel", "fault", Condition::Event, Severity::Warning),
        rule("烟感报警", "gas_detector", "smoke", Condition::Event, Severity::Critical),
        rule(
            "可燃气体浓度超限",
            "gas_detector",
            "gas_lel",
            Condition::Above { threshold: limit("gas_lel") },
            Severity::Critical,
        ),
        rule(
            "PM2.5 超标",
            "environment_sensor",
            "pm25",
            Condition::Above { threshold: limit("pm25") },
            Severity::Warning,
        ),
        rule(
            "PM10 超标",
            "environment_sensor",
            "pm10",
            Condition::Above { threshold: limit("pm10") },
            Severity::Warning,
        ),
        rule(
            "挥发性有机物超标",
            "environment_sensor",
            "voc",
            Condition::Above { threshold: limit("voc") },
            Severity::Warning,
        ),
        rule(
            "噪声超标",
            "environment_sensor",
            "noise_db",
            Condition::Above { threshold: limit("noise_db") },
            Severity::Warning,
        ),
        rule(
            "废水 COD 超标",
            "environment_sensor",
            "cod",
            Condition::Above { threshold: limit("cod") },
            Severity::Warning,
        ),
        rule("消防主机离线", "fire_panel", "", Condition::NoData { minutes: 30 }, Severity::Warning),
        rule("水表离线", "water_meter", "", Condition::NoData { minutes: 60 }, Severity::Info),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<KindDef> {
        crate::telemetry::builtin_kinds()
    }

    #[test]
    fn a_threshold_raises_once_extends_and_clears_on_the_first_normal_reading() {
        let c = Condition::Above { threshold: 75.0 };
        let stream = [(1, 40.0), (2, 80.0), (3, 120.0), (4, 90.0), (5, 60.0), (6, 50.0), (7, 76.0)];
        let changes = run(&c, None, None, &stream);
        assert_eq!(
            changes,
            [
                Change::Raise { ts: 2, value: 80.0 },
                Change::Extend { ts: 3, value: 120.0 },
                Change::Extend { ts: 4, value: 90.0 },
                Change::Clear { ts: 5, value: 60.0 },
                Change::Raise { ts: 7, value: 76.0 },
            ]
        );
        // At the threshold itself nothing is raised.
        assert!(run(&c, None, None, &[(1, 75.0)]).is_empty());
    }

    #[test]
    fn readings_out_of_order_are_taken_in_time_order() {
        let c = Condition::Below { threshold: 10.0 };
        let changes = run(&c, None, None, &[(3, 20.0), (1, 5.0), (2, 6.0)]);
        assert_eq!(
            changes,
            [
                Change::Raise { ts: 1, value: 5.0 },
                Change::Extend { ts: 2, value: 6.0 },
                Change::Clear { ts: 3, value: 20.0 }
            ]
        );
    }

    #[test]
    fn a_batch_sent_again_changes_nothing_while_the_alarm_is_active() {
        let c = Condition::Event;
        // The alarm raised by ts 2 has seen readings up to ts 4.
        assert!(run(&c, Some(4), None, &[(2, 1.0), (3, 0.0), (4, 1.0)]).is_empty());
        // A later normal reading clears it; an earlier one does not.
        assert_eq!(run(&c, Some(4), None, &[(3, 0.0), (5, 0.0)]), [Change::Clear { ts: 5, value: 0.0 }]);
    }

    #[test]
    fn a_rate_compares_consecutive_readings_per_minute_and_needs_a_recent_one() {
        let c = Condition::Rate { per_minute: 2.0 };
        let m = 60_000;
        // 10 units in 2 minutes is 5 a minute: broken. 1 unit in 1 minute: back within.
        let changes = run(&c, None, Some((0, 100.0)), &[(2 * m, 110.0), (3 * m, 111.0)]);
        assert_eq!(changes, [Change::Raise { ts: 2 * m, value: 110.0 }, Change::Clear { ts: 3 * m, value: 111.0 }]);
        // A fall counts the same as a rise.
        assert_eq!(run(&c, None, Some((0, 100.0)), &[(m, 90.0)]), [Change::Raise { ts: m, value: 90.0 }]);
        // The first reading, or one after a gap of over an hour, says nothing.
        assert!(run(&c, None, None, &[(m, 500.0)]).is_empty());
        assert!(run(&c, None, Some((0, 0.0)), &[(61 * m, 500.0)]).is_empty());
        // Exactly 2 a minute is not faster than 2 a minute.
        assert!(run(&c, None, Some((0, 0.0)), &[(m, 2.0)]).is_empty());
    }

    #[test]
    fn silence_counts_from_the_last_reading_or_registration() {
        let m = 60_000;
        assert!(!silent(Some(0), 0, 30, 29 * m));
        assert!(silent(Some(0), 0, 30, 30 * m));
        assert!(silent(None, 10 * m, 30, 40 * m));
        assert!(!silent(None, 10 * m, 30, 39 * m));
    }

    #[test]
    fn escalation_goes_up_one_level_after_the_wait_and_stops_at_the_county() {
        let m = 60_000;
        assert_eq!(escalation(Level::Park, 0, 5, 4 * m), None);
        assert_eq!(escalation(Level::Park, 0, 5, 5 * m), Some(Level::Township));
        assert_eq!(escalation(Level::Township, 0, 5, 9 * m), Some(Level::County));
        assert_eq!(escalation(Level::County, 0, 5, 90 * m), None);
        assert_eq!(escalation(Level::Park, 0, 0, 90 * m), None);
    }

    #[test]
    fn scope_picks_a_device_a_kind_in_a_park_or_a_kind_everywhere() {
        let rule = |scope| Rule {
            id: 1,
            name: "r".into(),
            scope,
            metric: "pm25".into(),
            condition: Condition::Above { threshold: 1.0 },
            severity: Severity::Warning,
            escalate_minutes: 0,
            active: true,
        };
        let d = DeviceRef { id: 7, park_id: 3, kind: "environment_sensor" };
        assert!(rule(Scope::Device { device_id: 7 }).applies_to(d));
        assert!(!rule(Scope::Device { device_id: 8 }).applies_to(d));
        assert!(rule(Scope::Kind { kind: "environment_sensor".into(), park_id: Some(3) }).applies_to(d));
        assert!(!rule(Scope::Kind { kind: "environment_sensor".into(), park_id: Some(4) }).applies_to(d));
        assert!(rule(Scope::Kind { kind: "environment_sensor".into(), park_id: None }).applies_to(d));
        assert!(!rule(Scope::Kind { kind: "water_meter".into(), park_id: None }).applies_to(d));
        let mut off = rule(Scope::Device { device_id: 7 });
        off.active = false;
        assert!(!off.applies_to(d));
    }

    #[test]
    fn a_rule_form_names_each_wrong_field() {
        let none = |_: &str| None;
        let form = RuleForm {
            name: "".into(),
            scope: "kind".into(),
            kind: "environment_sensor".into(),
            metric: "temperature".into(),
            condition: "above".into(),
            figure: "高".into(),
            severity: "urgent".into(),
            ..Default::default()
        };
        let fields: Vec<String> = form.validate(&kinds(), none).unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "metric", "figure", "severity"]);
        let ok = RuleForm {
            name: "PM2.5".into(),
            scope: "kind".into(),
            kind: "environment_sensor".into(),
            park_id: "3".into(),
            metric: "pm25".into(),
            condition: "above".into(),
            figure: "75".into(),
            severity: "warning".into(),
            ..Default::default()
        }
        .validate(&kinds(), none)
        .unwrap();
        assert_eq!(ok.scope, Scope::Kind { kind: "environment_sensor".into(), park_id: Some(3) });
        assert_eq!(ok.escalate_minutes, 30);
        let device = |s: &str| (s == "FP-1").then(|| (9, 3, "fire_panel".to_string()));
        let no_data = RuleForm {
            name: "离线".into(),
            scope: "device".into(),
            device: "FP-1".into(),
            condition: "no_data".into(),
            figure: "20".into(),
            severity: "critical".into(),
            escalate_minutes: "10".into(),
            ..Default::default()
        }
        .validate(&kinds(), device)
        .unwrap();
        assert_eq!(no_data.condition, Condition::NoData { minutes: 20 });
        assert_eq!((no_data.scope, no_data.escalate_minutes), (Scope::Device { device_id: 9 }, 10));
    }

    #[test]
    fn every_limit_the_live_pages_highlight_has_a_default_rule_at_that_limit() {
        let rules = default_rules();
        for (metric, limit, _) in crate::telemetry::ENVIRONMENT_LIMITS {
            let rule = rules.iter().find(|r| r.metric == *metric && r.active);
            assert_eq!(rule.map(|r| r.condition), Some(Condition::Above { threshold: *limit }), "{metric}");
        }
    }

    #[test]
    fn the_default_rules_name_real_metrics() {
        let kinds = kinds();
        for r in default_rules() {
            let Scope::Kind { kind, .. } = &r.scope else { panic!("default rules are per kind") };
            let k = kinds.iter().find(|k| &k.code == kind).expect("builtin kind");
            assert!(r.metric.is_empty() || k.metric(&r.metric).is_some(), "{}", r.name);
            if let Some(f) = r.condition.figure() {
                assert!(f > 0.0, "{}", r.name);
            }
        }
    }
}
