//! Online services to enterprises (企业线上服务): each park's and the county's catalogue of
//! service functions, an enterprise's requests with their deadlines (a promised response and a
//! completion time), the provider's steps, the enterprise's confirmation and rating, what is
//! overdue and must escalate, and the figures per park and provider (on-time rate, median time
//! to complete, satisfaction). Attachments are checked by their content, never by their name.
//! Pure: times are milliseconds given by the caller, so deadlines are tested on a synthetic clock.

use crate::rules::Check;
use crate::validation::{Checker, FieldError, Invalid};
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The service functions the seeds name (002 四(一), and Wenling's additions).
pub const CATEGORIES: [&str; 15] = [
    "startup",
    "training",
    "rnd_cooperation",
    "recruitment",
    "consulting",
    "finance",
    "legal_aid",
    "government_agency",
    "policy_legal",
    "exhibition",
    "accounting",
    "guarantee",
    "ip",
    "design",
    "testing",
];

/// Every park must offer at least this many service functions (002 四(一)).
pub const TARGET_FUNCTIONS: usize = 3;

code_enum! {
    /// Who provides a service: the park's operator, a county office, or a third-party agency.
    ProviderKind {
        Operator = "operator",
        County = "county",
        Agency = "agency",
    }
}

/// A service as entered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ServiceForm {
    pub category: String,
    pub name: String,
    pub provider_kind: String,
    /// The provider's name; for an agency, its registered name is taken instead.
    pub provider_name: String,
    /// The registered agency providing it (provider_kind `agency` only).
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub agency_id: String,
    pub description: String,
    /// The documents the request needs, one per line.
    pub documents: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub response_hours: String,
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub completion_days: String,
    /// "0" or "false" switches the service off.
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub active: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServiceDraft {
    pub category: String,
    pub name: String,
    pub provider_kind: ProviderKind,
    /// Empty for an agency until the use case names it from the registry.
    pub provider_name: String,
    pub agency_id: Option<i64>,
    pub description: String,
    pub documents: String,
    pub response_hours: i64,
    pub completion_days: i64,
    pub active: bool,
}

impl ServiceForm {
    pub fn validate(&self) -> Result<ServiceDraft, Invalid> {
        let mut c = Checker::new();
        let category = c.choice("category", &self.category, |s| CATEGORIES.into_iter().find(|x| *x == s));
        let name = c.text("name", &self.name, 100);
        let kind = c.choice("provider_kind", &self.provider_kind, ProviderKind::parse);
        // An agency's service names the registered agency (whose login takes its requests);
        // any other provider is named in words.
        let (provider_name, agency_id) = if kind == Some(ProviderKind::Agency) {
            (String::new(), Some(c.integer("agency_id", &self.agency_id, 1, i64::MAX)))
        } else {
            (c.text("provider_name", &self.provider_name, 100), None)
        };
        let description = c.optional_text("description", &self.description, 2000);
        let documents = c.optional_text("documents", &self.documents, 1000);
        let response_hours = c.integer("response_hours", &self.response_hours, 1, 24 * 30);
        let completion_days = c.integer("completion_days", &self.completion_days, 1, 365);
        let active = !matches!(self.active.trim(), "0" | "false");
        let (Some(category), Some(provider_kind)) = (category, kind) else {
            return Err(c.finish(()).err().unwrap_or_default());
        };
        c.finish(ServiceDraft {
            category: category.to_string(),
            name,
            provider_kind,
            provider_name,
            agency_id,
            description,
            documents,
            response_hours,
            completion_days,
            active,
        })
    }
}

/// A third-party service agency as the county registers it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct AgencyForm {
    pub name: String,
    /// Contact person and telephone.
    pub contact: String,
    /// "0" or "false": it takes no new services (its open requests stay with it).
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub active: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AgencyDraft {
    pub name: String,
    pub contact: String,
    pub active: bool,
}

impl AgencyForm {
    pub fn validate(&self) -> Result<AgencyDraft, Invalid> {
        let mut c = Checker::new();
        let name = c.text("name", &self.name, 100);
        let contact = c.optional_text("contact", &self.contact, 200);
        let active = !matches!(self.active.trim(), "0" | "false");
        c.finish(AgencyDraft { name, contact, active })
    }
}

/// A park's service functions: the distinct categories of its active services.
pub fn functions(categories: &[&str]) -> usize {
    let mut seen: Vec<&str> = categories.to_vec();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

// ---- requests ------------------------------------------------------------------------------

/// Request states.
pub const REQUESTED: &str = "requested";
pub const ACCEPTED: &str = "accepted";
pub const COMPLETED: &str = "completed";
pub const CONFIRMED: &str = "confirmed";
pub const DECLINED: &str = "declined";
pub const CANCELLED: &str = "cancelled";

pub const STATES: [&str; 6] = [REQUESTED, ACCEPTED, COMPLETED, CONFIRMED, DECLINED, CANCELLED];

code_enum! {
    /// A step on a request, by whom it may be taken.
    /// The provider accepts, declines (with a reason) or completes; the enterprise confirms
    /// (and rates) or cancels before the request is taken on.
    Step {
        Accept = "accept",
        Decline = "decline",
        Complete = "complete",
        Confirm = "confirm",
        Cancel = "cancel",
    }
}

impl Step {
    /// Whether the provider (true) or the enterprise (false) takes this step.
    pub fn by_provider(self) -> bool {
        matches!(self, Step::Accept | Step::Decline | Step::Complete)
    }
}

/// A step as entered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StepForm {
    pub step: String,
    pub note: String,
    /// 1–5, to confirm.
    #[serde(deserialize_with = "crate::validation::text_or_number")]
    #[schemars(with = "crate::validation::TextOrNumber")]
    pub rating: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepDraft {
    pub step: Step,
    pub note: String,
    pub rating: Option<i64>,
}

impl StepForm {
    pub fn validate(&self) -> Result<StepDraft, Invalid> {
        let mut c = Checker::new();
        let step = c.choice("step", &self.step, Step::parse);
        let note = c.optional_text("note", &self.note, 1000);
        let rating = match step {
            Some(Step::Confirm) => Some(c.integer("rating", &self.rating, 1, 5)),
            _ => None,
        };
        if matches!(step, Some(Step::Decline)) && note.is_empty() {
            c.push(FieldError::new("note", "error.reason_required"));
        }
        let Some(step) = step else { return Err(c.finish(()).err().unwrap_or_default()) };
        c.finish(StepDraft { step, note, rating })
    }
}

/// The state a step leads to from `state`, or the check that refuses it.
pub fn next_state(state: &str, step: Step) -> Result<&'static str, Check> {
    let to = match (state, step) {
        (REQUESTED, Step::Accept) => ACCEPTED,
        (REQUESTED, Step::Decline) => DECLINED,
        (REQUESTED, Step::Cancel) => CANCELLED,
        (ACCEPTED, Step::Complete) => COMPLETED,
        (COMPLETED, Step::Confirm) => CONFIRMED,
        _ => {
            return Err(Check::new("service.step_allowed", false)
                .with("step", format!("@service_step.{}", step.code()))
                .with("state", format!("@service_state.{state}")));
        }
    };
    Ok(to)
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The two deadlines of a request: the response (from the request) and the completion (from
/// acceptance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deadlines {
    pub respond_by: i64,
    pub complete_by: Option<i64>,
}

pub fn deadlines(requested_at: i64, accepted_at: Option<i64>, response_hours: i64, completion_days: i64) -> Deadlines {
    Deadlines {
        respond_by: requested_at + response_hours * HOUR_MS,
        complete_by: accepted_at.map(|a| a + completion_days * DAY_MS),
    }
}

code_enum! {
    /// What a request is late for.
    Overdue {
        Response = "response",
        Completion = "completion",
    }
}

/// What a request in `state` is late for at `now`, if anything.
pub fn overdue(state: &str, d: &Deadlines, now: i64) -> Option<Overdue> {
    match state {
        REQUESTED if now > d.respond_by => Some(Overdue::Response),
        ACCEPTED if d.complete_by.is_some_and(|c| now > c) => Some(Overdue::Completion),
        _ => None,
    }
}

/// A finished request, for the figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Done {
    pub requested_at: i64,
    pub completed_at: i64,
    pub complete_by: Option<i64>,
    pub rating: Option<i64>,
}

/// The figures of a park or a provider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Figures {
    pub requests: i64,
    pub completed: i64,
    /// % of completed requests done by their completion deadline (None: nothing completed).
    pub on_time_pct: Option<f64>,
    /// Median hours from request to completion.
    pub median_hours: Option<f64>,
    /// Mean rating of confirmed requests, 1–5.
    pub satisfaction: Option<f64>,
    pub rated: i64,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The figures of `requests` requests of which `done` were completed.
pub fn figures(requests: i64, done: &[Done]) -> Figures {
    let completed = done.len() as i64;
    let on_time = done.iter().filter(|d| d.complete_by.is_none_or(|c| d.completed_at <= c)).count();
    let mut hours: Vec<f64> = done.iter().map(|d| (d.completed_at - d.requested_at) as f64 / HOUR_MS as f64).collect();
    hours.sort_by(|a, b| a.total_cmp(b));
    let median = match hours.len() {
        0 => None,
        n if n % 2 == 1 => Some(hours[n / 2]),
        n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
    };
    let ratings: Vec<i64> = done.iter().filter_map(|d| d.rating).collect();
    Figures {
        requests,
        completed,
        on_time_pct: (completed > 0).then(|| round2(on_time as f64 * 100.0 / completed as f64)),
        median_hours: median.map(round2),
        satisfaction: (!ratings.is_empty()).then(|| round2(ratings.iter().sum::<i64>() as f64 / ratings.len() as f64)),
        rated: ratings.len() as i64,
    }
}

/// A request as an enterprise files it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct RequestForm {
    pub detail: String,
}

impl RequestForm {
    pub fn validate(&self) -> Result<String, Invalid> {
        let mut c = Checker::new();
        let d = c.text("detail", &self.detail, 2000);
        c.finish(d)
    }
}

// ---- attachments ----------------------------------------------------------------------------

/// The largest attachment accepted.
pub const MAX_ATTACHMENT: usize = 5 << 20;

/// The type of an attachment by its first bytes: PDF, PNG, JPEG, or an Office file (a ZIP
/// container: docx, xlsx). Anything else (HTML, SVG, scripts, executables) is refused, so
/// nothing a browser would run is ever stored or served.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("application/zip")
    } else {
        None
    }
}

/// An attachment's name kept for display: its last path part, without control characters, at
/// most 100 characters; refused when nothing is left.
pub fn attachment_checks(name: &str, bytes: &[u8]) -> Result<(String, &'static str), Invalid> {
    let mut c = Checker::new();
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|ch| !ch.is_control()).take(100).collect();
    if clean.trim().is_empty() {
        c.push(FieldError::new("name", "error.required"));
    }
    if bytes.is_empty() {
        c.push(FieldError::new("file", "error.required"));
    } else if bytes.len() > MAX_ATTACHMENT {
        c.push(FieldError::new("file", "error.file_too_large").with("max", "5 MB"));
    }
    let kind = sniff(bytes);
    if kind.is_none() && !bytes.is_empty() {
        c.push(FieldError::new("file", "error.file_type"));
    }
    c.finish((clean.trim().to_string(), kind.unwrap_or("application/octet-stream")))
}
