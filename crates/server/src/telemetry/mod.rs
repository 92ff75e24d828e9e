//! Park monitoring: the device registry, telemetry ingestion (HTTP batches and MQTT share one
//! path: check every reading, store the good ones with their rollups in one transaction, then
//! acknowledge; concurrent batches share a transaction), and the series the pages draw from the
//! rollups.

pub mod api;
pub mod mqtt;
pub mod pages;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};
use weiyuan_domain::access::{Actor, Lang};
use weiyuan_domain::telemetry::{DeviceForm, KindDef, KindForm, Rejection, check_reading, parse_timestamp};
use weiyuan_domain::{FieldError, Invalid};
use weiyuan_store::telemetry::{Credential, Device, Reading};
use weiyuan_store::{AuditCtx, Store};

/// At most this many readings in one request or message.
pub const MAX_BATCH: usize = 10_000;

/// A batch as devices and gateways send it.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Batch {
    /// The token of readings that carry none and whose device is not in `tokens` (a device
    /// sending its own readings).
    #[serde(default)]
    pub token: Option<String>,
    /// Tokens by device serial, for readings that carry none of their own (a gateway).
    #[serde(default)]
    pub tokens: HashMap<String, String>,
    pub readings: Vec<RawReading>,
}

#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
pub struct RawReading {
    #[serde(default)]
    pub device: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub metric: String,
    /// Milliseconds or seconds since the epoch, or RFC 3339 text.
    #[serde(default)]
    pub ts: serde_json::Value,
    /// A number, or true/false for an event (an alarm input).
    #[serde(default)]
    pub value: serde_json::Value,
}

/// Decode a batch as HTTP and MQTT deliver it: JSON with at least one and at most
/// [`MAX_BATCH`] readings. The one decoder of untrusted telemetry bytes (fuzzed:
/// `fuzz/fuzz_targets/telemetry_body.rs`).
pub fn decode(body: &[u8]) -> Result<Batch, FieldError> {
    let batch: Batch =
        serde_json::from_slice(body).map_err(|e| FieldError::new("body", "error.bad_json").with("detail", e))?;
    if batch.readings.is_empty() {
        return Err(FieldError::new("readings", "error.no_readings"));
    }
    if batch.readings.len() > MAX_BATCH {
        return Err(FieldError::new("readings", "error.too_many").with("max", MAX_BATCH));
    }
    Ok(batch)
}

/// A raw reading of a device of `kind` checked: its time and value, or why it is refused.
pub fn check_raw(kind: &KindDef, raw: &RawReading, now: i64) -> Result<(i64, f64), Rejection> {
    let ts = parse_timestamp(&raw.ts).ok_or(Rejection::BadTimestamp)?;
    let value = match &raw.value {
        serde_json::Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        serde_json::Value::Bool(b) => f64::from(u8::from(*b)),
        _ => f64::NAN,
    };
    check_reading(kind, &raw.metric, ts, value, now)?;
    Ok((ts, value))
}

/// One refused reading: where it was in the batch and why.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Refused {
    pub index: usize,
    pub device: String,
    pub metric: String,
    #[serde(flatten)]
    pub rejection: Rejection,
    pub message: String,
}

/// What became of a batch: the accepted readings (new or already stored) and the refused ones.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Outcome {
    pub accepted: usize,
    /// Of the accepted, how many were new (the others had been stored before).
    pub stored: usize,
    pub duplicates: usize,
    pub rejected: Vec<Refused>,
}

/// The ingest path with its cache of device credentials and kinds. Another process may register
/// or change devices: an unknown serial or a wrong token reloads the cache (at most once a
/// second) before the reading is refused, and the cache is reloaded every 30 seconds anyway.
///
/// Checked readings go to one writer task, which stores whatever batches are waiting (HTTP
/// requests and MQTT messages alike) in one transaction and then answers each (group commit):
/// under load a transaction carries many batches, and each caller still hears only after the
/// commit.
pub struct Ingestor {
    store: Store,
    cache: std::sync::Arc<RwLock<Cache>>,
    writer: std::sync::OnceLock<tokio::sync::mpsc::Sender<Job>>,
}

/// A batch waiting for the writer, and where to say how many of its readings were new.
struct Job {
    readings: Vec<Reading>,
    done: tokio::sync::oneshot::Sender<Result<usize, String>>,
}

/// A transaction takes the batches waiting, up to this many readings.
const GROUP_READINGS: usize = 50_000;

/// Store a group of batches, then run the alarm rules over them (both before anyone hears).
async fn write_group(store: &Store, cache: &RwLock<Cache>, groups: &[&[Reading]]) -> Result<Vec<usize>, String> {
    let counts = store.ingest_groups(groups).await.map_err(|e| e.to_string())?;
    let (rules, kind_of) = {
        let c = cache.read().expect("cache lock");
        let kind_of: HashMap<i64, String> = groups
            .iter()
            .flat_map(|g| g.iter())
            .filter_map(|r| c.kind_of.get(&r.device_id).map(|k| (r.device_id, k.clone())))
            .collect();
        (c.rules.clone(), kind_of)
    };
    crate::alarms::evaluate(store, &rules, &kind_of, groups).await.map_err(|e| e.to_string())?;
    Ok(counts)
}

async fn write_loop(store: Store, cache: std::sync::Arc<RwLock<Cache>>, mut rx: tokio::sync::mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut total = first.readings.len();
        let mut jobs = vec![first];
        while total < GROUP_READINGS {
            match rx.try_recv() {
                Ok(j) => {
                    total += j.readings.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        let groups: Vec<&[Reading]> = jobs.iter().map(|j| j.readings.as_slice()).collect();
        match write_group(&store, &cache, &groups).await {
            Ok(counts) => {
                for (j, n) in jobs.into_iter().zip(counts) {
                    let _ = j.done.send(Ok(n));
                }
            }
            Err(message) => {
                for j in jobs {
                    let _ = j.done.send(Err(message.clone()));
                }
            }
        }
    }
}

struct Cache {
    devices: HashMap<String, Credential>,
    kinds: HashMap<String, KindDef>,
    /// Each device's kind, by id (for the alarm rules).
    kind_of: HashMap<i64, String>,
    /// The alarm rules switched on.
    rules: Vec<weiyuan_domain::alarms::Rule>,
    loaded: Option<Instant>,
}

const RELOAD_EVERY: Duration = Duration::from_secs(30);
const RELOAD_AT_MOST: Duration = Duration::from_secs(1);

impl Ingestor {
    pub fn new(store: Store) -> Self {
        Ingestor {
            store,
            cache: std::sync::Arc::new(RwLock::new(Cache {
                devices: HashMap::new(),
                kinds: HashMap::new(),
                kind_of: HashMap::new(),
                rules: Vec::new(),
                loaded: None,
            })),
            writer: std::sync::OnceLock::new(),
        }
    }

    /// Reload the credentials, kinds and alarm rules (after a change in this process, or when
    /// stale: a change made through another server reaches this one within 30 seconds).
    pub async fn reload(&self) -> Result<(), AppError> {
        let devices: HashMap<String, Credential> = self.store.device_credentials().await?.into_iter().collect();
        let kinds = self.store.device_kinds().await?.into_iter().map(|k| (k.code.clone(), k)).collect();
        let rules = self.store.alarm_rules().await?.into_iter().filter(|r| r.active).collect();
        let kind_of = devices.values().map(|c| (c.id, c.kind.clone())).collect();
        let mut c = self.cache.write().expect("cache lock");
        *c = Cache { devices, kinds, kind_of, rules, loaded: Some(Instant::now()) };
        Ok(())
    }

    fn age(&self) -> Option<Duration> {
        self.cache.read().expect("cache lock").loaded.map(|t| t.elapsed())
    }

    /// Check every reading, store the good ones (one transaction), and say which were which.
    /// Returns only after the commit: the caller may then acknowledge.
    pub async fn accept(&self, batch: &Batch, header_token: Option<&str>, lang: Lang) -> Result<Outcome, AppError> {
        if self.age().is_none_or(|a| a > RELOAD_EVERY) {
            self.reload().await?;
        }
        let now = weiyuan_store::now_ms();
        let mut checked = self.check(batch, header_token, now);
        let unknown = checked.iter().any(|r| matches!(r, Err((_, Rejection::WrongToken))));
        if unknown && self.age().is_some_and(|a| a > RELOAD_AT_MOST) {
            self.reload().await?;
            checked = self.check(batch, header_token, now);
        }
        let mut good = Vec::with_capacity(checked.len());
        let mut rejected = Vec::new();
        for (index, r) in checked.into_iter().enumerate() {
            match r {
                Ok(reading) => good.push(reading),
                Err((raw, rejection)) => rejected.push(Refused {
                    index,
                    device: raw.device.clone(),
                    metric: raw.metric.clone(),
                    message: rejection_text(lang, &rejection),
                    rejection,
                }),
            }
        }
        let accepted = good.len();
        let stored = if good.is_empty() { 0 } else { self.store_readings(good).await? };
        Ok(Outcome { accepted, stored, duplicates: accepted - stored, rejected })
    }

    /// Hand checked readings to the writer and wait for their commit: how many were new.
    async fn store_readings(&self, readings: Vec<Reading>) -> Result<usize, AppError> {
        let writer = self.writer.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::channel(4096);
            tokio::spawn(write_loop(self.store.clone(), self.cache.clone(), rx));
            tx
        });
        let (done, answer) = tokio::sync::oneshot::channel();
        writer
            .send(Job { readings, done })
            .await
            .map_err(|_| AppError::Internal("the telemetry writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("the telemetry writer has stopped".into()))?
            .map_err(AppError::Internal)
    }

    fn check<'b>(
        &self,
        batch: &'b Batch,
        header_token: Option<&str>,
        now: i64,
    ) -> Vec<Result<Reading, (&'b RawReading, Rejection)>> {
        let cache = self.cache.read().expect("cache lock");
        let mut verified: HashMap<(&str, &str), bool> = HashMap::new();
        batch
            .readings
            .iter()
            .map(|raw| {
                let fail = |r: Rejection| Err((raw, r));
                let Some(cred) = cache.devices.get(&raw.device) else { return fail(Rejection::WrongToken) };
                let token = raw
                    .token
                    .as_deref()
                    .or_else(|| batch.tokens.get(&raw.device).map(String::as_str))
                    .or(batch.token.as_deref())
                    .or(header_token)
                    .unwrap_or("");
                let ok = *verified
                    .entry((raw.device.as_str(), token))
                    .or_insert_with(|| crate::auth::token_hash(token) == cred.token_hash);
                if !ok {
                    return fail(Rejection::WrongToken);
                }
                if !cred.active {
                    return fail(Rejection::DeviceDisabled);
                }
                let Some(kind) = cache.kinds.get(&cred.kind) else { return fail(Rejection::UnknownMetric) };
                let (ts, value) = match check_raw(kind, raw, now) {
                    Ok(checked) => checked,
                    Err(r) => return fail(r),
                };
                Ok(Reading { device_id: cred.id, park_id: cred.park_id, metric: raw.metric.clone(), ts, value })
            })
            .collect()
    }
}

/// A refused reading's reason in the caller's language.
pub fn rejection_text(lang: Lang, r: &Rejection) -> String {
    let mut params = Vec::new();
    match r {
        Rejection::OutOfRange { min, max } => {
            params.push(("min".to_string(), min.to_string()));
            params.push(("max".to_string(), max.to_string()));
        }
        Rejection::InTheFuture { max_ms } => {
            params.push(("max".to_string(), weiyuan_domain::time::format_shanghai(*max_ms)))
        }
        _ => {}
    }
    crate::i18n::tf(lang, &format!("telemetry.reject.{}", r.code()), &params)
}

/// A new device token: shown once, stored as its hash.
pub fn new_token() -> String {
    format!("wyd_{}", crate::auth::random_token())
}

/// A device and, once, its token.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Registered {
    pub device: Device,
    pub token: String,
}

/// Devices in one page of the API's list unless `size` asks otherwise (at most 500).
pub const PAGE_SIZE: i64 = 100;

/// A page of the devices of the caller's parks, by park then id: (devices, total, page, size).
pub async fn list(
    store: &Store,
    actor: &Actor,
    q: &crate::extract::PageQuery,
) -> Result<(Vec<Device>, i64, i64, i64), AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let (page, size) = q.checked(PAGE_SIZE)?;
    let (limit, offset) = crate::extract::PageQuery::window((page, size));
    let (rows, total) = store.devices_page(&actor.park_scope(), limit, offset).await?;
    Ok((rows, total, page, size))
}

pub async fn get(store: &Store, actor: &Actor, id: i64) -> Result<Device, AppError> {
    let d = store.get_device(id).await?;
    crate::parks::get(store, actor, d.park_id).await?;
    if !actor.is_staff() {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

pub async fn create(
    store: &Store,
    ingestor: &Ingestor,
    actor: &Actor,
    park_id: i64,
    form: &DeviceForm,
) -> Result<Registered, AppError> {
    let desk = crate::parks::unit_desk(store, actor, park_id).await?;
    let draft = form.validate(&store.device_kinds().await?)?;
    let token = new_token();
    let device = store.create_device(&desk, &AuditCtx::from(actor), &draft, &crate::auth::token_hash(&token)).await?;
    ingestor.reload().await?;
    Ok(Registered { device, token })
}

pub async fn update(
    store: &Store,
    ingestor: &Ingestor,
    actor: &Actor,
    id: i64,
    form: &DeviceForm,
) -> Result<Device, AppError> {
    let d = store.get_device(id).await?;
    let desk = crate::parks::unit_desk(store, actor, d.park_id).await?;
    let draft = form.validate(&store.device_kinds().await?)?;
    let after = store.update_device(&desk, &AuditCtx::from(actor), id, &draft).await?;
    ingestor.reload().await?;
    Ok(after)
}

/// Issue a new token; the old one stops working at once.
pub async fn rotate_token(store: &Store, ingestor: &Ingestor, actor: &Actor, id: i64) -> Result<Registered, AppError> {
    let device = store.get_device(id).await?;
    let desk = crate::parks::unit_desk(store, actor, device.park_id).await?;
    let token = new_token();
    store.set_device_token(&desk, &AuditCtx::from(actor), id, &crate::auth::token_hash(&token)).await?;
    ingestor.reload().await?;
    Ok(Registered { device, token })
}

pub async fn kinds(store: &Store) -> Result<Vec<KindDef>, AppError> {
    Ok(store.device_kinds().await?)
}

/// A county-defined kind with its metrics (county only).
pub async fn create_kind(
    store: &Store,
    ingestor: &Ingestor,
    actor: &Actor,
    form: &KindForm,
) -> Result<KindDef, AppError> {
    let maker = actor.rule_maker()?;
    let kind = form.validate()?;
    store.create_device_kind(&maker, &AuditCtx::from(actor), &kind).await?;
    ingestor.reload().await?;
    Ok(kind)
}

/// A device's series of one metric, read from the rollups.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct SeriesQuery {
    pub metric: String,
    /// 5m, 1h or 1d (default 5m).
    pub bucket: String,
    /// Milliseconds; by default the last 24 hours.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub async fn series(
    store: &Store,
    actor: &Actor,
    id: i64,
    q: &SeriesQuery,
) -> Result<Vec<weiyuan_store::telemetry::Rollup>, AppError> {
    let d = get(store, actor, id).await?;
    let mut c = weiyuan_domain::validation::Checker::new();
    let bucket = c.optional_choice("bucket", &q.bucket, weiyuan_domain::telemetry::Bucket::parse);
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        c.push(FieldError::new("from", "error.from_after_to"));
    }
    c.finish(())?;
    let bucket = bucket.unwrap_or(weiyuan_domain::telemetry::Bucket::FiveMinutes);
    let to = q.to.unwrap_or_else(|| weiyuan_store::now_ms() + 1);
    let from = q.from.unwrap_or(to - 86_400_000);
    let rows = store.rollups(&[d.id], bucket, from, to).await?;
    Ok(rows.into_iter().filter(|r| q.metric.is_empty() || r.metric == q.metric).collect())
}

/// A device as the monitoring pages show it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct DeviceStatus {
    #[serde(flatten)]
    pub device: Device,
    pub online: bool,
}

/// A park's monitoring page: its day so far and its devices.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkLive {
    pub park_id: i64,
    pub park: String,
    pub at: i64,
    pub day: weiyuan_domain::telemetry::ParkDay,
    /// Today by hour against yesterday.
    pub curves: Vec<weiyuan_domain::telemetry::Curve>,
    pub devices: Vec<DeviceStatus>,
    /// The park's open alarms, newest first.
    pub alarms: Vec<weiyuan_store::alarms::Alarm>,
}

/// The last 5-minute rollup of each device and metric.
fn latest(rows: Vec<weiyuan_domain::telemetry::Rollup>) -> Vec<weiyuan_domain::telemetry::Rollup> {
    let mut last: HashMap<(i64, String), weiyuan_domain::telemetry::Rollup> = HashMap::new();
    for r in rows {
        match last.get(&(r.device_id, r.metric.clone())) {
            Some(have) if have.start_ts >= r.start_ts => {}
            _ => {
                last.insert((r.device_id, r.metric.clone()), r);
            }
        }
    }
    last.into_values().collect()
}

/// The day so far of some parks (at most one query per bucket, whatever the number of parks).
async fn days(
    store: &Store,
    parks: &[i64],
    devices: &[Device],
    now: i64,
) -> Result<HashMap<i64, weiyuan_domain::telemetry::ParkDay>, AppError> {
    use weiyuan_domain::telemetry::{Bucket, park_day};
    let today = Bucket::Day.start(now);
    let t = store.park_rollups(parks, Bucket::Day, today, today + 1).await?;
    let y = store.park_rollups(parks, Bucket::Day, today - 86_400_000, today - 86_400_000 + 1).await?;
    let l = latest(store.park_rollups(parks, Bucket::FiveMinutes, now - 15 * 60_000, now + 1).await?);
    let park_of: HashMap<i64, i64> = devices.iter().map(|d| (d.id, d.park_id)).collect();
    let split = |rows: Vec<weiyuan_domain::telemetry::Rollup>| {
        let mut m: HashMap<i64, Vec<weiyuan_domain::telemetry::Rollup>> = HashMap::new();
        for r in rows {
            if let Some(p) = park_of.get(&r.device_id) {
                m.entry(*p).or_default().push(r);
            }
        }
        m
    };
    let (t, y, l) = (split(t), split(y), split(l));
    let none = Vec::new();
    Ok(parks
        .iter()
        .map(|p| {
            let devs: Vec<(i64, Option<i64>)> =
                devices.iter().filter(|d| d.park_id == *p).map(|d| (d.id, d.last_seen_at)).collect();
            let day =
                park_day(&devs, t.get(p).unwrap_or(&none), y.get(p).unwrap_or(&none), l.get(p).unwrap_or(&none), now);
            (*p, day)
        })
        .collect())
}

pub async fn park_live(store: &Store, actor: &Actor, park_id: i64) -> Result<ParkLive, AppError> {
    let park = crate::parks::get(store, actor, park_id).await?;
    if !actor.is_staff() {
        return Err(AppError::NotFound);
    }
    let now = weiyuan_store::now_ms();
    let devices = store.list_devices(&weiyuan_domain::access::ParkScope::Park(park_id)).await?;
    let mut d = days(store, &[park_id], &devices, now).await?;
    let today = weiyuan_domain::telemetry::Bucket::Day.start(now);
    let hours =
        store.park_rollups(&[park_id], weiyuan_domain::telemetry::Bucket::Hour, today - 86_400_000, now + 1).await?;
    let curves = weiyuan_domain::telemetry::park_curves(&hours, today);
    let statuses = devices
        .into_iter()
        .map(|device| DeviceStatus { online: weiyuan_domain::telemetry::online(device.last_seen_at, now), device })
        .collect();
    let open =
        weiyuan_store::alarms::AlarmFilter { open_only: true, park_id: Some(park_id), severity: None, limit: 100 };
    let alarms = store.alarms(&actor.park_scope(), &open).await?;
    Ok(ParkLive {
        park_id,
        park: park.name,
        at: now,
        day: d.remove(&park_id).unwrap_or_default(),
        curves,
        devices: statuses,
        alarms,
    })
}

/// Every park of the caller's scope at a glance.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ParkGlance {
    pub park_id: i64,
    pub park: String,
    pub township: String,
    pub township_code: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub day: weiyuan_domain::telemetry::ParkDay,
    /// Open alarms and the worst severity among them.
    pub alarms: i64,
    pub worst: Option<weiyuan_domain::alarms::Severity>,
}

impl ParkGlance {
    /// One word for the map: critical or warning alarms, devices offline, normal, or no devices.
    pub fn status(&self) -> &'static str {
        use weiyuan_domain::alarms::Severity;
        match self.worst {
            Some(Severity::Critical) => "alarm_critical",
            Some(_) => "alarm",
            None if self.day.devices == 0 => "no_devices",
            None if self.day.online < self.day.devices => "offline",
            None => "normal",
        }
    }
}

pub async fn overview(store: &Store, actor: &Actor) -> Result<Vec<ParkGlance>, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let now = weiyuan_store::now_ms();
    let scope = actor.park_scope();
    let parks = store.list_parks(&scope).await?;
    let devices = store.list_devices(&scope).await?;
    let ids: Vec<i64> = parks.iter().map(|p| p.id).collect();
    let mut d = days(store, &ids, &devices, now).await?;
    let alarms: HashMap<i64, (i64, weiyuan_domain::alarms::Severity)> =
        store.open_alarm_counts(&scope).await?.into_iter().map(|(p, n, s)| (p, (n, s))).collect();
    Ok(parks
        .into_iter()
        .map(|p| ParkGlance {
            park_id: p.id,
            township: p.township_name().to_string(),
            township_code: p.township_code.clone(),
            lat: p.lat,
            lon: p.lon,
            day: d.remove(&p.id).unwrap_or_default(),
            alarms: alarms.get(&p.id).map(|a| a.0).unwrap_or(0),
            worst: alarms.get(&p.id).map(|a| a.1),
            park: p.name,
        })
        .collect())
}

/// Delete raw readings older than the retention setting, hourly, for as long as the server runs
/// (every server may do it: the delete is idempotent). Rollups are kept.
pub fn spawn_retention(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match store.purge_raw_readings(weiyuan_store::now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(readings = n, "raw readings past their retention deleted"),
                Err(e) => tracing::warn!(error = %e, "deleting old raw readings"),
            }
        }
    })
}

/// One enterprise's reported electricity against its meters (devices bound to it).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct ReconRow {
    pub enterprise_id: i64,
    pub enterprise: String,
    pub park_id: i64,
    pub meters: usize,
    #[serde(flatten)]
    pub check: weiyuan_domain::telemetry::Reconciliation,
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ReconQuery {
    /// YYYY-MM; by default the last month that has ended.
    pub month: String,
    /// The share (%) a report may differ from the meters before it is flagged (by default the
    /// county's setting, itself 10 until changed).
    pub tolerance: Option<f64>,
}

/// The tolerance asked for, or the county's.
/// A tolerance asked for must be a share from 0 to 100 %; it is refused on its field otherwise.
pub async fn tolerance(store: &Store, q: &ReconQuery) -> Result<f64, AppError> {
    match q.tolerance {
        Some(t) if t.is_finite() && (0.0..=100.0).contains(&t) => Ok(t),
        Some(_) => {
            Err(Invalid::one(FieldError::new("tolerance", "error.out_of_range").with("min", 0).with("max", 100)).into())
        }
        None => Ok(store.recon_tolerance_pct().await?),
    }
}

#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ToleranceForm {
    #[serde(deserialize_with = "weiyuan_domain::validation::text_or_number")]
    #[schemars(with = "weiyuan_domain::validation::TextOrNumber")]
    pub tolerance: String,
}

/// Set the county's reconciliation tolerance (county only): a share from 0 to 100 %.
pub async fn set_tolerance(store: &Store, actor: &Actor, f: &ToleranceForm) -> Result<f64, AppError> {
    let maker = actor.rule_maker()?;
    let mut c = weiyuan_domain::validation::Checker::new();
    let pct =
        c.decimal("tolerance", &f.tolerance, weiyuan_domain::Fixed2::ZERO, weiyuan_domain::Fixed2::from_units(100));
    c.finish(())?;
    let pct = pct.as_f64();
    store.set_recon_tolerance_pct(&maker, &AuditCtx::from(actor), pct).await?;
    Ok(pct)
}

/// The month's reported electricity of every enterprise with a bound electricity meter, against
/// what its meters counted.
pub async fn reconciliation(store: &Store, actor: &Actor, q: &ReconQuery) -> Result<Vec<ReconRow>, AppError> {
    use weiyuan_domain::telemetry::{Bucket, metered, reconcile};
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let month = crate::reports::month_or_last(&q.month);
    let tolerance = tolerance(store, q).await?;
    let kinds = store.device_kinds().await?;
    let meters: Vec<Device> = store
        .list_devices(&actor.park_scope())
        .await?
        .into_iter()
        .filter(|d| d.enterprise_id.is_some())
        .filter(|d| kinds.iter().any(|k| k.code == d.kind && k.metric("energy_kwh").is_some()))
        .collect();
    let (from, to) = (month.start_ms(), month.next().start_ms());
    let ids: Vec<i64> = meters.iter().map(|d| d.id).collect();
    let days = store.rollups(&ids, Bucket::Day, from - 40 * 86_400_000, to).await?;
    let mut by_enterprise: std::collections::BTreeMap<i64, Vec<&Device>> = Default::default();
    for d in &meters {
        by_enterprise.entry(d.enterprise_id.unwrap_or(0)).or_default().push(d);
    }
    let electricity = weiyuan_domain::reports::index("electricity").unwrap_or(0);
    let ids: Vec<i64> = by_enterprise.keys().copied().collect();
    let mut enterprises: HashMap<i64, _> =
        store.enterprises_by_ids(&ids).await?.into_iter().map(|e| (e.id, e)).collect();
    let mut out = Vec::new();
    for (enterprise_id, devices) in by_enterprise {
        let Some(e) = enterprises.remove(&enterprise_id) else { continue };
        let mut total: Option<f64> = None;
        for d in &devices {
            let mine: Vec<_> =
                days.iter().filter(|r| r.device_id == d.id && r.metric == "energy_kwh").cloned().collect();
            if let Some(v) = metered(&mine, from, to) {
                total = Some(total.unwrap_or(0.0) + v);
            }
        }
        let reported = store
            .enterprise_report(enterprise_id, month)
            .await?
            .and_then(|r| r.figures[electricity])
            .map(|v| v.as_f64());
        out.push(ReconRow {
            enterprise_id,
            enterprise: e.name,
            park_id: e.park_id,
            meters: devices.len(),
            check: reconcile(reported, total, tolerance),
        });
    }
    Ok(out)
}

impl crate::alarms::RuleCache for Ingestor {
    fn reload(&self) -> impl std::future::Future<Output = Result<(), AppError>> + Send {
        Ingestor::reload(self)
    }
}

/// The routes of this feature, assembled by `routes::all`.
pub fn routes() -> Vec<(crate::routes::RouteSpec, crate::routing::Routed)> {
    use crate::routes::{api, page, public};
    use crate::routing::{get, post, put};
    vec![
        (
            public(
                "POST",
                "/api/v1/telemetry",
                Some("telemetry"),
                "A batch of readings, each authenticated by its device's token",
            ),
            post(api::ingest),
        ),
        (api("GET", "/api/v1/devices", "telemetry", "Devices of the parks the caller may see"), get(api::list)),
        (
            api("POST", "/api/v1/parks/{id}/devices", "telemetry", "Register a device; answers its token once"),
            post(api::create),
        ),
        (api("GET", "/api/v1/devices/{id}", "telemetry", "One device"), get(api::get)),
        (api("PUT", "/api/v1/devices/{id}", "telemetry", "Change a device"), put(api::update)),
        (
            api("POST", "/api/v1/devices/{id}/token", "telemetry", "Issue a new token (the old one stops working)"),
            post(api::token),
        ),
        (
            api(
                "GET",
                "/api/v1/devices/{id}/series",
                "telemetry",
                "A device's rollups (metric, bucket 5m|1h|1d, from, to)",
            ),
            get(api::series),
        ),
        (api("GET", "/api/v1/device-kinds", "telemetry", "Device kinds and their metrics"), get(api::kinds)),
        (api("GET", "/api/v1/monitoring", "telemetry", "Every park's day so far at a glance"), get(api::overview)),
        (
            api(
                "GET",
                "/api/v1/reconciliation",
                "telemetry",
                "Reported monthly electricity against the meters (month, tolerance %)",
            ),
            get(api::reconciliation),
        ),
        (
            api(
                "GET",
                "/api/v1/parks/{id}/live",
                "telemetry",
                "A park's day so far: people, vehicles, energy, environment, safety, devices",
            ),
            get(api::live),
        ),
        (
            api(
                "PUT",
                "/api/v1/reconciliation/tolerance",
                "telemetry",
                "Set the county's reconciliation tolerance (%)",
            ),
            put(api::set_tolerance),
        ),
        (
            api("POST", "/api/v1/device-kinds", "telemetry", "Define a kind with its metrics (county)"),
            post(api::create_kind),
        ),
        (page("GET", "/monitoring", "Every park's monitoring at a glance"), get(pages::overview)),
        (page("GET", "/parks/{id}/monitoring", "A park's live monitoring"), get(pages::live)),
        (
            page("GET", "/monitoring/reconciliation", "Reported electricity against the meters"),
            get(pages::reconciliation),
        ),
        (
            page("POST", "/monitoring/reconciliation/tolerance", "Make a tolerance the county's (county)"),
            post(pages::set_tolerance),
        ),
        (page("GET", "/parks/{id}/devices", "A park's devices"), get(pages::devices)),
        (page("POST", "/parks/{id}/devices", "Register a device"), post(pages::register)),
    ]
}
