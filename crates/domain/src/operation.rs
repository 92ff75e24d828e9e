//! 入园企业在线运行监测: how each enterprise is running, seen from its meters.
//!
//! An enterprise's day is the electricity its bound meters counted that civil day (Asia/Shanghai),
//! compared with its own baseline: the mean of the same weekday over the recent weeks (holidays
//! left out). The county's settings turn the share into a status: running, reduced (under
//! `reduced_below_pct`), stopped (under `stopped_below_pct`), or no meter (none bound, or nothing
//! counted that day). Stopped working days in a row make a streak; weekends and holidays neither
//! count nor break it. A streak of `stopped_days` raises a stop notice, cleared when the
//! enterprise runs again. The operating rate (开工率) is the share of enterprises with a meter
//! reading that day that are running or reduced.
//!
//! Days are numbered from 1970-01-01 (civil, Asia/Shanghai), like `time::days_from_civil`.

use crate::rules::Check;
use crate::time::{civil_from_days, days_from_civil};
use crate::validation::Checker;
use crate::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const DAY_MS: i64 = 86_400_000;
const SHANGHAI_MS: i64 = 8 * 3_600_000;

/// The civil day (Asia/Shanghai) of an instant.
pub fn day_of(ms: i64) -> i64 {
    (ms + SHANGHAI_MS).div_euclid(DAY_MS)
}

/// The first instant of a civil day.
pub fn day_start(day: i64) -> i64 {
    day * DAY_MS - SHANGHAI_MS
}

/// "2026-02-17".
pub fn day_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A day from "2026-02-17" (impossible dates refused).
pub fn parse_day(text: &str) -> Option<i64> {
    crate::time::parse_shanghai_date(text).map(day_of)
}

/// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The county's settings for operation monitoring.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Settings {
    /// Under this share of the baseline (%), the enterprise is running reduced.
    pub reduced_below_pct: f64,
    /// Under this share of the baseline (%), the enterprise is stopped.
    pub stopped_below_pct: f64,
    /// Weeks of the same weekday the baseline is taken over.
    pub baseline_weeks: i64,
    /// Stopped working days in a row that raise a stop notice.
    pub stopped_days: i64,
    /// Months in a row of metered and reported electricity disagreeing before it is listed.
    pub mismatch_months: i64,
    /// Public holidays (no working day), "YYYY-MM-DD".
    pub holidays: Vec<String>,
    /// Weekend days that are working days (调休), "YYYY-MM-DD".
    pub workdays: Vec<String>,
}

/// The State Council's 2026 holiday schedule (国办发明电〔2025〕7号), which the county may edit.
pub const HOLIDAYS_2026: &[&str] = &[
    "2026-01-01",
    "2026-01-02",
    "2026-01-03",
    "2026-02-15",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-02-21",
    "2026-02-22",
    "2026-02-23",
    "2026-04-04",
    "2026-04-05",
    "2026-04-06",
    "2026-05-01",
    "2026-05-02",
    "2026-05-03",
    "2026-05-04",
    "2026-05-05",
    "2026-06-19",
    "2026-06-20",
    "2026-06-21",
    "2026-09-25",
    "2026-09-26",
    "2026-09-27",
    "2026-10-01",
    "2026-10-02",
    "2026-10-03",
    "2026-10-04",
    "2026-10-05",
    "2026-10-06",
    "2026-10-07",
];

/// The weekend days of that schedule that are worked (调休上班).
pub const WORKDAYS_2026: &[&str] =
    &["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            reduced_below_pct: 30.0,
            stopped_below_pct: 5.0,
            baseline_weeks: 4,
            stopped_days: 3,
            mismatch_months: 3,
            holidays: HOLIDAYS_2026.iter().map(|d| d.to_string()).collect(),
            workdays: WORKDAYS_2026.iter().map(|d| d.to_string()).collect(),
        }
    }
}

/// The settings as typed in a form or an API body.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SettingsForm {
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub reduced_below_pct: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub stopped_below_pct: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub baseline_weeks: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub stopped_days: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub mismatch_months: String,
    /// Dates separated by commas, spaces or new lines.
    pub holidays: String,
    pub workdays: String,
}

impl Settings {
    pub fn to_form(&self) -> SettingsForm {
        SettingsForm {
            reduced_below_pct: self.reduced_below_pct.to_string(),
            stopped_below_pct: self.stopped_below_pct.to_string(),
            baseline_weeks: self.baseline_weeks.to_string(),
            stopped_days: self.stopped_days.to_string(),
            mismatch_months: self.mismatch_months.to_string(),
            holidays: self.holidays.join("\n"),
            workdays: self.workdays.join("\n"),
        }
    }

    pub fn calendar(&self) -> Calendar {
        let set = |v: &[String]| v.iter().filter_map(|d| parse_day(d)).collect();
        Calendar { holidays: set(&self.holidays), workdays: set(&self.workdays) }
    }
}

fn percent(c: &mut Checker, field: &str, value: &str) -> f64 {
    match value.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => v,
        Ok(_) => {
            c.push(FieldError::new(field, "error.out_of_range").with("min", 0).with("max", 100));
            0.0
        }
        Err(_) if value.trim().is_empty() => {
            c.push(FieldError::new(field, "error.required"));
            0.0
        }
        Err(_) => {
            c.push(FieldError::new(field, "error.not_number").with("value", value.trim()));
            0.0
        }
    }
}

fn dates(c: &mut Checker, field: &str, value: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for part in value.split([',', ' ', '\n', '\r', '，', '、', ';']).map(str::trim).filter(|p| !p.is_empty()) {
        match parse_day(part) {
            Some(d) => {
                out.insert(day_text(d));
            }
            None => {
                c.push(FieldError::new(field, "error.date_format").with("value", part));
                break;
            }
        }
    }
    if out.len() > 400 {
        c.push(FieldError::new(field, "error.too_many").with("max", 400));
    }
    out.into_iter().collect()
}

impl SettingsForm {
    /// Settings that can work: the stopped share below the reduced one, whole weeks and days
    /// in range, every date a real one and no day both a holiday and a working day.
    pub fn validate(&self) -> Result<Settings, Invalid> {
        let mut c = Checker::new();
        let mut shares = Checker::new();
        let reduced = percent(&mut shares, "reduced_below_pct", &self.reduced_below_pct);
        let stopped = percent(&mut shares, "stopped_below_pct", &self.stopped_below_pct);
        let shares_read = shares.finish(()).map_err(|e| e.0);
        match shares_read {
            Err(errors) => errors.into_iter().for_each(|e| c.push(e)),
            Ok(()) if stopped >= reduced => c.push(
                FieldError::new("stopped_below_pct", "error.operation.stopped_not_below_reduced").with("max", reduced),
            ),
            Ok(()) => {}
        }
        let baseline_weeks = c.integer("baseline_weeks", &self.baseline_weeks, 1, 12);
        let stopped_days = c.integer("stopped_days", &self.stopped_days, 1, 60);
        let mismatch_months = c.integer("mismatch_months", &self.mismatch_months, 1, 24);
        let holidays = dates(&mut c, "holidays", &self.holidays);
        let workdays = dates(&mut c, "workdays", &self.workdays);
        if let Some(both) = holidays.iter().find(|d| workdays.contains(d)) {
            c.push(FieldError::new("workdays", "error.operation.holiday_and_workday").with("value", both));
        }
        let s = Settings {
            reduced_below_pct: reduced,
            stopped_below_pct: stopped,
            baseline_weeks,
            stopped_days,
            mismatch_months,
            holidays,
            workdays,
        };
        c.finish(s)
    }
}

/// Which days are worked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calendar {
    holidays: BTreeSet<i64>,
    workdays: BTreeSet<i64>,
}

/// What kind of day a day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Weekend,
    Holiday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Working => "working",
            DayKind::Weekend => "weekend",
            DayKind::Holiday => "holiday",
        }
    }
}

impl Calendar {
    pub fn kind(&self, day: i64) -> DayKind {
        if self.holidays.contains(&day) {
            DayKind::Holiday
        } else if self.workdays.contains(&day) || weekday(day) < 5 {
            DayKind::Working
        } else {
            DayKind::Weekend
        }
    }

    pub fn working(&self, day: i64) -> bool {
        self.kind(day) == DayKind::Working
    }

    /// The days a day's baseline may be taken from, most recent first: the same weekday 1 …
    /// `weeks` weeks before, of the same kind: a weekend day is compared with weekend days, a
    /// working day (or a holiday, to show what it would have been) with working days; holidays
    /// are never a baseline.
    pub fn baseline_days(&self, day: i64, weeks: i64) -> Vec<i64> {
        let want = if self.kind(day) == DayKind::Weekend { DayKind::Weekend } else { DayKind::Working };
        (1..=weeks).map(|k| day - 7 * k).filter(|d| self.kind(*d) == want).collect()
    }

    /// Where the baseline looks: three times the settings' weeks, so that the days an enterprise
    /// was stopped can be passed over (`baseline` takes the `weeks` most recent working ones).
    pub fn baseline_candidates(&self, day: i64, weeks: i64) -> Vec<i64> {
        self.baseline_days(day, weeks * BASELINE_LOOKBACK)
    }
}

/// How many times the baseline's weeks it looks back for days the enterprise worked.
pub const BASELINE_LOOKBACK: i64 = 3;

/// One meter's register over a bucket (an hour or a day): its lowest and last reading, and the
/// last reading of the bucket just before when there is one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Register {
    pub prev_last: Option<f64>,
    pub min: f64,
    pub last: f64,
}

impl Register {
    /// What the meter counted in the bucket: from the previous bucket's last reading when there
    /// is one (nothing lost between buckets), else from the bucket's first; never negative (a
    /// meter replaced or reset counts nothing rather than a negative use).
    pub fn used(&self) -> f64 {
        match self.prev_last {
            // A meter replaced or reset: what it counted since.
            Some(p) if p > self.last => (self.last - self.min).max(0.0),
            Some(p) => self.last - p,
            None => (self.last - self.min).max(0.0),
        }
    }
}

impl Register {
    /// What the bucket says: nothing when the meter has no bucket before and did not move within
    /// this one (a meter's first reading tells where its register stands, not what was used).
    pub fn known_use(&self) -> Option<f64> {
        (self.prev_last.is_some() || self.last > self.min).then(|| self.used())
    }
}

/// What counters (registers) counted per bucket of `step` ms, summed over devices, from rollups
/// `(device, bucket start, min, last)` in any order: each bucket from the device's bucket just
/// before when there is one (`Register::used`).
pub fn counted(points: &[(i64, i64, f64, f64)], step: i64) -> std::collections::BTreeMap<i64, f64> {
    let mut sorted = points.to_vec();
    sorted.sort_by_key(|p| (p.0, p.1));
    let mut out = std::collections::BTreeMap::new();
    for (i, &(device, start, min, last)) in sorted.iter().enumerate() {
        let prev_last =
            (i > 0 && sorted[i - 1].0 == device && sorted[i - 1].1 == start - step).then(|| sorted[i - 1].3);
        *out.entry(start).or_insert(0.0) += Register { prev_last, min, last }.used();
    }
    out
}

/// An enterprise's use in a bucket over all its meters (None: no meter said anything).
pub fn total_use(meters: &[Register]) -> Option<f64> {
    let known: Vec<f64> = meters.iter().filter_map(Register::known_use).collect();
    if known.is_empty() { None } else { Some(known.iter().sum()) }
}

/// The baseline: the mean use of the `weeks` most recent candidate days on which the enterprise
/// worked (running or reduced), from `(day, use, status)` of the candidates that were checked.
/// Stopped days are passed over, so that a long stop does not drag the baseline down until
/// standby power reads as work. None when there is no such day, or the mean is 0.
pub fn baseline(samples: &[(i64, f64, Status)], weeks: i64) -> Option<f64> {
    let mut worked: Vec<&(i64, f64, Status)> = samples.iter().filter(|s| s.2.working()).collect();
    worked.sort_by_key(|s| std::cmp::Reverse(s.0));
    let taken: Vec<f64> = worked.iter().take(weeks.max(1) as usize).map(|s| s.1).collect();
    if taken.is_empty() {
        return None;
    }
    let mean = taken.iter().sum::<f64>() / taken.len() as f64;
    (mean > 0.0).then_some(mean)
}

/// How an enterprise ran on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Reduced,
    Stopped,
    NoMeter,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Running, Status::Reduced, Status::Stopped, Status::NoMeter];

    pub fn code(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Reduced => "reduced",
            Status::Stopped => "stopped",
            Status::NoMeter => "no_meter",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.code() == s)
    }

    /// Working at all (running or reduced): what the operating rate counts.
    pub fn working(self) -> bool {
        matches!(self, Status::Running | Status::Reduced)
    }
}

/// A day's status with the numbers that decided it.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Decision {
    pub status: Status,
    pub use_kwh: Option<f64>,
    pub baseline_kwh: Option<f64>,
    /// Use as a share of the baseline (%), two decimals.
    pub share_pct: Option<f64>,
    pub checks: Vec<Check>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Decide a day: `meters` is how many meters are bound to the enterprise, `use_kwh` what they
/// counted (None when none sent a reading that day), `baseline_kwh` its baseline.
pub fn decide(meters: usize, use_kwh: Option<f64>, baseline_kwh: Option<f64>, s: &Settings) -> Decision {
    let mut checks = Vec::new();
    let status = match (meters, use_kwh, baseline_kwh) {
        (0, _, _) => {
            checks.push(Check::new("operation.no_meter", false));
            Status::NoMeter
        }
        (_, None, _) => {
            checks.push(Check::new("operation.no_reading", false).with("meters", meters));
            Status::NoMeter
        }
        (_, Some(u), None) => {
            checks.push(Check::new("operation.no_baseline", u > 0.0).with("use", round2(u)));
            if u > 0.0 { Status::Running } else { Status::Stopped }
        }
        (_, Some(u), Some(b)) => {
            let share = u / b * 100.0;
            let numbers = |c: Check, limit: f64| {
                c.with("use", round2(u)).with("baseline", round2(b)).with("share", round2(share)).with("limit", limit)
            };
            if share < s.stopped_below_pct {
                checks.push(numbers(Check::new("operation.stopped", false), s.stopped_below_pct));
                Status::Stopped
            } else if share < s.reduced_below_pct {
                checks.push(numbers(Check::new("operation.reduced", false), s.reduced_below_pct));
                Status::Reduced
            } else {
                checks.push(numbers(Check::new("operation.running", true), s.reduced_below_pct));
                Status::Running
            }
        }
    };
    let share_pct = match (use_kwh, baseline_kwh) {
        (Some(u), Some(b)) => Some(round2(u / b * 100.0)),
        _ => None,
    };
    Decision { status, use_kwh: use_kwh.map(round2), baseline_kwh: baseline_kwh.map(round2), share_pct, checks }
}

/// Stopped working days in a row after a day, from the streak the day before: a stopped working
/// day adds one; running or reduced (any day) ends it; a weekend or holiday stop, or a day
/// without a reading, leaves it as it was.
pub fn streak(before: i64, kind: DayKind, status: Status) -> i64 {
    match (status, kind) {
        (Status::Stopped, DayKind::Working) => before + 1,
        (Status::Running | Status::Reduced, _) => 0,
        _ => before,
    }
}

/// The first stopped working day of the streak after `day`: kept from the day before while the
/// streak goes on, `day` when it starts there, none once it ends.
pub fn streak_since(since_before: Option<i64>, before: i64, after: i64, day: i64) -> Option<i64> {
    match (after, before) {
        (0, _) => None,
        (_, 0) => Some(day),
        _ => since_before.or(Some(day)),
    }
}

/// What a day does to the enterprise's stop notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopChange {
    /// Stopped for the settings' working days in a row and no notice open: raise one.
    Raise,
    /// Running again with a notice open: clear it.
    Clear,
    Keep,
}

pub fn stop_change(streak: i64, status: Status, open: bool, s: &Settings) -> StopChange {
    if !open && status == Status::Stopped && streak >= s.stopped_days {
        StopChange::Raise
    } else if open && status.working() {
        StopChange::Clear
    } else {
        StopChange::Keep
    }
}

/// Counts of a day's statuses and the operating rate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Rate {
    pub running: i64,
    pub reduced: i64,
    pub stopped: i64,
    pub no_meter: i64,
    /// (running + reduced) / (running + reduced + stopped), %, two decimals; None without any.
    pub rate_pct: Option<f64>,
}

impl Rate {
    pub fn add(&mut self, status: Status, n: i64) {
        match status {
            Status::Running => self.running += n,
            Status::Reduced => self.reduced += n,
            Status::Stopped => self.stopped += n,
            Status::NoMeter => self.no_meter += n,
        }
        let metered = self.running + self.reduced + self.stopped;
        self.rate_pct = (metered > 0).then(|| round2((self.running + self.reduced) as f64 / metered as f64 * 100.0));
    }

    pub fn of(statuses: impl IntoIterator<Item = Status>) -> Rate {
        let mut r = Rate::default();
        for s in statuses {
            r.add(s, 1);
        }
        r
    }

    pub fn count(&self, status: Status) -> i64 {
        match status {
            Status::Running => self.running,
            Status::Reduced => self.reduced,
            Status::Stopped => self.stopped,
            Status::NoMeter => self.no_meter,
        }
    }
}

/// The months in a row, counted back from the latest, whose check was flagged.
pub fn flagged_run(flags_oldest_first: &[bool]) -> i64 {
    flags_oldest_first.iter().rev().take_while(|f| **f).count() as i64
}

/// Why a township marks a stop explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Holiday,
    Renovation,
    Moving,
    Rationing,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 5] =
        [Reason::Holiday, Reason::Renovation, Reason::Moving, Reason::Rationing, Reason::Other];

    pub fn code(self) -> &'static str {
        match self {
            Reason::Holiday => "holiday",
            Reason::Renovation => "renovation",
            Reason::Moving => "moving",
            Reason::Rationing => "rationing",
            Reason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|v| v.code() == s)
    }
}

/// An explanation as typed.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ExplainForm {
    pub reason: String,
    pub comment: String,
}

impl ExplainForm {
    pub fn validate(&self) -> Result<(Reason, String), Invalid> {
        let mut c = Checker::new();
        let reason = c.choice("reason", &self.reason, Reason::parse);
        let comment = c.text("comment", &self.comment, 500);
        c.finish((reason.unwrap_or(Reason::Other), comment))
    }
}

/// The first day of the month holding `day`, and the first of the next.
pub fn month_of(day: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(day);
    let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
    (days_from_civil(y, m, 1), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Settings {
        Settings::default()
    }

    fn day(text: &str) -> i64 {
        parse_day(text).unwrap()
    }

    #[test]
    fn days_and_weekdays() {
        assert_eq!(weekday(day("2026-12-02")), 2, "a Wednesday");
        assert_eq!(weekday(day("2026-02-17")), 1);
        assert_eq!(day_text(day("2026-02-28")), "2026-02-28");
        assert_eq!(parse_day("2026-02-29"), None);
        assert_eq!(day_of(day_start(day("2026-03-01"))), day("2026-03-01"));
        assert_eq!(day_of(day_start(day("2026-03-01")) - 1), day("2026-02-28"), "a millisecond before midnight");
        assert_eq!(month_of(day("2026-02-17")), (day("2026-02-01"), day("2026-03-01")));
        assert_eq!(month_of(day("2026-12-31")), (day("2026-12-01"), day("2027-01-01")));
    }

    #[test]
    fn the_calendar_knows_holidays_and_worked_weekends() {
        let c = s().calendar();
        assert_eq!(c.kind(day("2026-02-17")), DayKind::Holiday, "Spring Festival");
        assert_eq!(c.kind(day("2026-02-14")), DayKind::Working, "a Saturday worked before it");
        assert_eq!(c.kind(day("2026-12-05")), DayKind::Weekend);
        assert_eq!(c.kind(day("2026-12-04")), DayKind::Working);
        // A Tuesday after the festival is compared with working Tuesdays only: the 17th (a
        // holiday) is left out, the three before it stay.
        let b = c.baseline_days(day("2026-02-24"), 4);
        assert_eq!(b, vec![day("2026-02-10"), day("2026-02-03"), day("2026-01-27")]);
        assert_eq!(c.baseline_candidates(day("2026-12-16"), 2).len(), 6);
        // A Saturday is compared with weekend Saturdays: not with a worked one, not a holiday.
        assert_eq!(c.baseline_days(day("2026-03-07"), 2), Vec::<i64>::new());
        assert_eq!(c.baseline_days(day("2026-12-12"), 2), vec![day("2026-12-05"), day("2026-11-28")]);
        // A holiday Saturday is compared with what a working Saturday used.
        assert_eq!(c.baseline_days(day("2026-02-21"), 2), vec![day("2026-02-14")]);
    }

    #[test]
    fn a_register_counts_from_the_bucket_before() {
        assert_eq!(Register { prev_last: Some(100.0), min: 101.0, last: 150.0 }.used(), 50.0);
        assert_eq!(Register { prev_last: None, min: 101.0, last: 150.0 }.used(), 49.0);
        assert_eq!(total_use(&[]), None);
        assert_eq!(
            total_use(&[Register { prev_last: None, min: 7.0, last: 7.0 }]),
            None,
            "a first reading says nothing"
        );
        assert_eq!(
            total_use(&[Register { prev_last: Some(7.0), min: 7.0, last: 7.0 }]),
            Some(0.0),
            "a still meter used nothing"
        );
        assert_eq!(
            total_use(&[
                Register { prev_last: Some(0.0), min: 0.0, last: 2.5 },
                Register { prev_last: None, min: 1.0, last: 2.0 }
            ]),
            Some(3.5)
        );
        assert_eq!(
            Register { prev_last: Some(900.0), min: 1.0, last: 5.0 }.used(),
            4.0,
            "a reset meter: since the reset"
        );
        let r = Status::Running;
        assert_eq!(baseline(&[], 4), None);
        assert_eq!(baseline(&[(1, 0.0, r), (2, 0.0, r)], 4), None);
        assert_eq!(baseline(&[(1, 100.0, r), (2, 200.0, r), (3, 300.0, Status::Reduced)], 4), Some(200.0));
        // Stopped days are passed over, and only the most recent `weeks` worked days count.
        let s = Status::Stopped;
        let samples = [(70, 20.0, s), (63, 20.0, s), (56, 1000.0, r), (49, 900.0, r), (42, 10.0, r)];
        assert_eq!(baseline(&samples, 2), Some(950.0));
    }

    #[test]
    fn counters_count_per_bucket_from_the_bucket_before() {
        // Two devices; the first has hours 10, 11, 12; the second only 12 (its first).
        let h = 3_600_000;
        let points =
            [(1, 11 * h, 100.0, 180.0), (1, 10 * h, 90.0, 100.0), (1, 12 * h, 185.0, 300.0), (2, 12 * h, 5.0, 9.0)];
        let c = counted(&points, h);
        assert_eq!(c.get(&(10 * h)), Some(&10.0));
        assert_eq!(c.get(&(11 * h)), Some(&80.0));
        assert_eq!(c.get(&(12 * h)), Some(&124.0), "120 from the hour before, 4 within the second's first hour");
    }

    #[test]
    fn statuses_at_their_exact_edges() {
        let st = |u: f64| decide(1, Some(u), Some(1000.0), &s()).status;
        assert_eq!(st(300.0), Status::Running, "30 % is not under 30 %");
        assert_eq!(st(299.99), Status::Reduced);
        assert_eq!(st(50.0), Status::Reduced, "5 % is not under 5 %");
        assert_eq!(st(49.99), Status::Stopped);
        assert_eq!(st(0.0), Status::Stopped);
        assert_eq!(st(2500.0), Status::Running);
        let d = decide(1, Some(49.99), Some(1000.0), &s());
        assert_eq!(d.share_pct, Some(5.0), "shown rounded");
        assert_eq!(d.checks[0].rule, "operation.stopped");
        assert!(d.checks[0].numbers.contains(&("limit".into(), "5".into())));
        assert_eq!(decide(0, None, None, &s()).status, Status::NoMeter);
        assert_eq!(decide(2, None, Some(10.0), &s()).status, Status::NoMeter, "a silent meter says nothing");
        assert_eq!(decide(1, Some(3.0), None, &s()).status, Status::Running, "no baseline yet, but it uses power");
        assert_eq!(decide(1, Some(0.0), None, &s()).status, Status::Stopped);
        let custom = Settings { reduced_below_pct: 50.0, stopped_below_pct: 10.0, ..s() };
        assert_eq!(decide(1, Some(10.0), Some(100.0), &custom).status, Status::Reduced);
        assert_eq!(decide(1, Some(9.0), Some(100.0), &custom).status, Status::Stopped);
    }

    #[test]
    fn streaks_count_working_days_only() {
        let mut n = 0;
        for (kind, status) in [
            (DayKind::Working, Status::Stopped),
            (DayKind::Working, Status::Stopped),
            (DayKind::Weekend, Status::Stopped),
            (DayKind::Holiday, Status::Stopped),
            (DayKind::Working, Status::NoMeter),
        ] {
            n = streak(n, kind, status);
        }
        assert_eq!(n, 2, "the weekend, the holiday and the silent day neither count nor break it");
        assert_eq!(streak(n, DayKind::Working, Status::Stopped), 3);
        assert_eq!(streak(n, DayKind::Weekend, Status::Reduced), 0, "working on a Saturday ends it");
        assert_eq!(stop_change(2, Status::Stopped, false, &s()), StopChange::Keep);
        assert_eq!(stop_change(3, Status::Stopped, false, &s()), StopChange::Raise);
        assert_eq!(stop_change(4, Status::Stopped, true, &s()), StopChange::Keep, "raised once");
        assert_eq!(stop_change(0, Status::Reduced, true, &s()), StopChange::Clear);
        assert_eq!(stop_change(0, Status::NoMeter, true, &s()), StopChange::Keep);
        assert_eq!(stop_change(4, Status::NoMeter, false, &s()), StopChange::Keep, "raised only on a stopped day");
        assert_eq!(streak_since(None, 0, 1, 10), Some(10));
        assert_eq!(streak_since(Some(10), 1, 2, 11), Some(10));
        assert_eq!(streak_since(Some(10), 2, 2, 12), Some(10), "a weekend keeps it");
        assert_eq!(streak_since(Some(10), 2, 0, 13), None);
    }

    #[test]
    fn the_operating_rate_counts_metered_enterprises() {
        let r = Rate::of([Status::Running, Status::Reduced, Status::Stopped, Status::NoMeter, Status::Running]);
        assert_eq!((r.running, r.reduced, r.stopped, r.no_meter), (2, 1, 1, 1));
        assert_eq!(r.rate_pct, Some(75.0));
        assert_eq!(Rate::of([Status::NoMeter]).rate_pct, None);
        assert_eq!(Rate::of([Status::Running, Status::Stopped, Status::Stopped]).rate_pct, Some(33.33));
        assert_eq!(flagged_run(&[true, false, true, true]), 2);
        assert_eq!(flagged_run(&[true, true, false]), 0);
    }

    #[test]
    fn settings_that_cannot_work_are_refused_by_field() {
        let ok = s().to_form().validate().unwrap();
        assert_eq!(ok, s());
        let bad = SettingsForm {
            reduced_below_pct: "20".into(),
            stopped_below_pct: "25".into(),
            baseline_weeks: "0".into(),
            holidays: "2026-02-30".into(),
            ..s().to_form()
        };
        let fields: Vec<String> = bad.validate().unwrap_err().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["stopped_below_pct", "baseline_weeks", "holidays"]);
        let both = SettingsForm { holidays: "2026-02-14".into(), ..s().to_form() };
        assert_eq!(both.validate().unwrap_err().0[0].code, "error.operation.holiday_and_workday");
        let over = SettingsForm { reduced_below_pct: "101".into(), ..s().to_form() };
        assert_eq!(over.validate().unwrap_err().0[0].field, "reduced_below_pct");
        assert!(ExplainForm { reason: "moving".into(), comment: "迁往新厂房".into() }.validate().is_ok());
        assert_eq!(
            ExplainForm { reason: "party".into(), comment: "x".into() }.validate().unwrap_err().0[0].field,
            "reason"
        );
    }
}
