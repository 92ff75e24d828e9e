//! The MQTT subscriber. Devices publish batches (the HTTP body's JSON) at QoS 1 to
//! `weiyuan/telemetry/{serial}`; readings without a `device` take the serial from the topic.
//! A message is acknowledged (PUBACK) only after its readings are committed; until then the
//! broker keeps it and sends it again after a reconnect, and a reading stored twice is stored
//! once. The session is persistent (clean session off, a fixed client id), so messages published
//! while the server is away wait at the broker. With a shared group, several servers split the
//! load (`$share/{group}/{topic}`). Refused readings are reported on `weiyuan/results/{serial}`.

use super::{Batch, Outcome, RawReading};
use crate::AppState;
use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, Publish, QoS};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use weiyuan_domain::access::Lang;

/// Where and how to subscribe.
#[derive(Clone, Debug)]
pub struct MqttConfig {
    /// `mqtt://host:port`.
    pub url: String,
    /// The topic filter (default `weiyuan/telemetry/#`).
    pub topic: String,
    /// A shared-subscription group: servers in one group split the messages between them.
    pub shared_group: Option<String>,
    /// Fixed per server, so that the broker keeps its session across restarts.
    pub client_id: String,
}

impl MqttConfig {
    pub fn filter(&self) -> String {
        match &self.shared_group {
            Some(g) => format!("$share/{g}/{}", self.topic),
            None => self.topic.clone(),
        }
    }

    fn options(&self) -> Result<MqttOptions, String> {
        let mut o = options(&self.url, &self.client_id)?;
        o.set_manual_acks(true);
        Ok(o)
    }
}

/// Client options for `mqtt://host[:port]`: a persistent session (clean session off), a 30 s
/// keep-alive, packets up to 8 MiB.
pub fn options(url: &str, client_id: &str) -> Result<MqttOptions, String> {
    let rest = url.strip_prefix("mqtt://").or_else(|| url.strip_prefix("tcp://")).unwrap_or(url).trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| format!("bad MQTT port in {url:?}"))?),
        None => (rest.to_string(), 1883),
    };
    let mut o = MqttOptions::new(client_id, host, port);
    o.set_keep_alive(Duration::from_secs(30)).set_clean_session(false).set_max_packet_size(8 << 20, 8 << 20);
    Ok(o)
}

/// The serial a topic names: its last level.
fn serial_of(topic: &str) -> &str {
    topic.rsplit('/').next().unwrap_or("")
}

/// One message's readings with device and token resolved, or why the payload is unreadable.
fn readings_of(p: &Publish) -> Result<Vec<RawReading>, String> {
    let batch: Batch = super::decode(&p.payload).map_err(|e| format!("{} {}: {:?}", e.field, e.code, e.params))?;
    let serial = serial_of(&p.topic);
    Ok(batch
        .readings
        .into_iter()
        .map(|mut r| {
            if r.device.is_empty() {
                r.device = serial.to_string();
            }
            if r.token.is_none() {
                r.token = batch.tokens.get(&r.device).cloned().or_else(|| batch.token.clone());
            }
            r
        })
        .collect())
}

/// Start the subscriber; it runs (and reconnects) until the process ends.
pub fn spawn(state: AppState, cfg: MqttConfig) -> Result<tokio::task::JoinHandle<()>, String> {
    let opts = cfg.options()?;
    Ok(tokio::spawn(async move {
        let (client, mut events) = AsyncClient::new(opts, 1024);
        // Each connection is a generation: an acknowledgement belongs to the connection that
        // delivered the message (after a reconnect the broker delivers it again).
        let generation = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel::<(u64, Publish)>(4096);
        tokio::spawn(worker(state, client.clone(), rx, generation.clone()));
        let filter = cfg.filter();
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                    generation.fetch_add(1, Ordering::SeqCst);
                    tracing::info!(url = %cfg.url, filter = %filter, "MQTT connected");
                    if let Err(e) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                        tracing::warn!(error = %e, "MQTT subscribe");
                    }
                }
                Ok(Event::Incoming(Incoming::Publish(p))) => {
                    if tx.send((generation.load(Ordering::SeqCst), p)).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, url = %cfg.url, "MQTT connection lost; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }))
}

/// Store the messages waiting (together, in one transaction), then acknowledge each.
async fn worker(
    state: AppState,
    client: AsyncClient,
    mut rx: mpsc::Receiver<(u64, Publish)>,
    generation: Arc<AtomicU64>,
) {
    while let Some(first) = rx.recv().await {
        let mut messages = vec![first];
        while messages.len() < 256 {
            match rx.try_recv() {
                Ok(m) => messages.push(m),
                Err(_) => break,
            }
        }
        let mut combined = Batch::default();
        // Per message: the range of its readings in the combined batch.
        let mut spans = Vec::with_capacity(messages.len());
        for (_, p) in &messages {
            match readings_of(p) {
                Ok(list) => {
                    let start = combined.readings.len();
                    combined.readings.extend(list);
                    spans.push(Some(start..combined.readings.len()));
                }
                Err(e) => {
                    tracing::warn!(topic = %p.topic, error = %e, "unreadable MQTT payload, acknowledged and dropped");
                    state.metrics.readings_rejected.fetch_add(1, Ordering::Relaxed);
                    spans.push(None);
                }
            }
        }
        // Until the readings are committed nothing is acknowledged: retry while the database is away.
        let outcome = loop {
            match state.ingestor.accept(&combined, None, Lang::ZhCn).await {
                Ok(o) => break o,
                Err(e) => {
                    tracing::warn!(error = ?e, "storing MQTT readings failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        state.metrics.readings_accepted.fetch_add(outcome.accepted as u64, Ordering::Relaxed);
        state.metrics.readings_rejected.fetch_add(outcome.rejected.len() as u64, Ordering::Relaxed);
        report_rejections(&client, &messages, &spans, &outcome).await;
        let now = generation.load(Ordering::SeqCst);
        for (g, p) in &messages {
            if *g == now
                && let Err(e) = client.ack(p).await
            {
                tracing::warn!(error = %e, "MQTT acknowledgement");
            }
        }
    }
}

/// Publish each message's refused readings (QoS 0) for its device to read.
async fn report_rejections(
    client: &AsyncClient,
    messages: &[(u64, Publish)],
    spans: &[Option<std::ops::Range<usize>>],
    outcome: &Outcome,
) {
    if outcome.rejected.is_empty() {
        return;
    }
    for ((_, p), span) in messages.iter().zip(spans) {
        let Some(span) = span else { continue };
        let mine: Vec<_> = outcome
            .rejected
            .iter()
            .filter(|r| span.contains(&r.index))
            .map(|r| {
                let mut r = r.clone();
                r.index -= span.start;
                r
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let body = serde_json::json!({ "topic": p.topic, "rejected": mine }).to_string();
        let topic = format!("weiyuan/results/{}", serial_of(&p.topic));
        if let Err(e) = client.publish(topic, QoS::AtMostOnce, false, body).await {
            tracing::warn!(error = %e, "MQTT result");
        }
    }
}
