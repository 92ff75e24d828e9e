//! Values computed from the database and kept for the requests that follow: one `Shelf` per
//! kind of value, each value under a key (the caller's scope and query) with the generation it
//! was computed at (the report generation, or a time slot for live figures).
//!
//! - A value is used while its generation is current and it is younger than the shelf's
//!   freshness. After that, one caller computes it again while the others are still answered
//!   with the one kept (same generation only), so an expiry never stalls a busy screen.
//! - Each key is computed by one caller at a time (single flight): callers that miss the same key
//!   wait for that one's result instead of all computing it and competing for connections.

use crate::error::AppError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keys kept per shelf; past that the shelf starts again empty.
const ENTRIES: usize = 512;

/// A background refresh gives up after this long, as a request would.
const REFRESH_LIMIT: Duration = Duration::from_secs(30);

/// A handle on one shelf; clones share it (a background refresh holds one).
pub struct Shelf<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    entries: Mutex<HashMap<String, (i64, Instant, T)>>,
    /// The computation under way for each key.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    fresh_for: Duration,
}

impl<T> Clone for Shelf<T> {
    fn clone(&self) -> Self {
        Shelf { inner: self.inner.clone() }
    }
}

/// How a kept value stands for a caller at a generation.
enum Kept<T> {
    Fresh(T),
    /// Of this generation, older than the shelf's freshness.
    Old(T),
    Missing,
}

impl<T: Clone> Shelf<T> {
    pub fn new(fresh_for: Duration) -> Self {
        Shelf { inner: Arc::new(Inner { entries: Mutex::default(), flights: Mutex::default(), fresh_for }) }
    }

    fn kept(&self, key: &str, generation: i64) -> Kept<T> {
        let map = self.inner.entries.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key) {
            Some((g, at, v)) if *g == generation && at.elapsed() < self.inner.fresh_for => Kept::Fresh(v.clone()),
            Some((g, _, v)) if *g == generation => Kept::Old(v.clone()),
            _ => Kept::Missing,
        }
    }

    fn keep(&self, key: String, generation: i64, value: T) {
        let mut map = self.inner.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= ENTRIES {
            map.clear();
        }
        map.insert(key, (generation, Instant::now(), value));
    }

    fn flight(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.inner.flights.lock().unwrap_or_else(|e| e.into_inner());
        if flights.len() >= ENTRIES {
            flights.retain(|_, f| Arc::strong_count(f) > 1);
        }
        flights.entry(key.to_string()).or_default().clone()
    }

    /// The value under `key` at `generation`: kept, or computed by one caller at a time.
    pub async fn through<F, Fut>(&self, key: String, generation: i64, compute: F) -> Result<T, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let old = match self.kept(&key, generation) {
            Kept::Fresh(v) => return Ok(v),
            Kept::Old(v) => Some(v),
            Kept::Missing => None,
        };
        let flight = self.flight(&key);
        let _turn = match (flight.try_lock(), old) {
            (Ok(turn), _) => turn,
            // Another caller is computing it again: the one kept is still this generation's.
            (Err(_), Some(v)) => return Ok(v),
            (Err(_), None) => flight.lock().await,
        };
        // The caller before may have computed it while this one waited.
        if let Kept::Fresh(v) = self.kept(&key, generation) {
            return Ok(v);
        }
        let v = compute().await?;
        self.keep(key, generation, v.clone());
        Ok(v)
    }

    /// Like `through`, but a kept value of this generation past its freshness is answered at
    /// once, every time, and computed again by a background task: no caller waits for a
    /// refresh, only for a value that is missing (or of an older generation).
    pub async fn through_behind<F, Fut>(&self, key: String, generation: i64, compute: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let old = match self.kept(&key, generation) {
            Kept::Fresh(v) => return Ok(v),
            Kept::Old(v) => v,
            Kept::Missing => return self.through(key, generation, compute).await,
        };
        // Refresh unless another caller (or a refresh) holds the key already.
        if let Ok(turn) = self.flight(&key).try_lock_owned() {
            let shelf = self.clone();
            tokio::spawn(async move {
                let _turn = turn;
                if let Kept::Fresh(_) = shelf.kept(&key, generation) {
                    return;
                }
                // A request is cut off after 30 s; so is a refresh, so that a stuck query never
                // holds the key's turn.
                match tokio::time::timeout(REFRESH_LIMIT, compute()).await {
                    Ok(Ok(v)) => shelf.keep(key, generation, v),
                    Ok(Err(e)) => {
                        tracing::warn!(key = %key, error = ?e, "background refresh failed; the kept value is served")
                    }
                    Err(_) => tracing::warn!(key = %key, "background refresh took over 30 s; the kept value is served"),
                }
            });
        }
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Wait (yielding, for at most 10 s) until `done` holds.
    async fn until(done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "condition not reached in 10 s");
            tokio::task::yield_now().await;
        }
    }

    fn holders<T>(shelf: &Shelf<T>, key: &str) -> usize {
        shelf.inner.flights.lock().unwrap().get(key).map_or(0, Arc::strong_count)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_that_miss_one_key_wait_for_a_single_computation() {
        let shelf = Arc::new(Shelf::new(Duration::from_secs(60)));
        let computed = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (shelf, computed, mut released) = (shelf.clone(), computed.clone(), released.clone());
                tokio::spawn(async move {
                    let compute = || async move {
                        computed.fetch_add(1, Ordering::SeqCst);
                        let _ = released.wait_for(|r| *r).await;
                        Ok((720, 700))
                    };
                    shelf.through("county|2026-10".into(), 7, compute).await
                })
            })
            .collect();
        // Every caller holds the key's flight: one computes, fifteen wait for it.
        until(|| holders(&shelf, "county|2026-10") == 17).await;
        release.send(true).unwrap();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), (720, 700));
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_expired_value_is_served_while_one_caller_computes_it_again_but_never_a_changed_one() {
        let shelf = Shelf::new(Duration::from_secs(60));
        let long_ago = Instant::now() - Duration::from_secs(61);
        shelf.inner.entries.lock().unwrap().insert("k".into(), (7, long_ago, (720, 690)));
        let flight = shelf.flight("k");
        let refreshing = flight.lock().await;
        // Someone is computing it again: the same generation's value answers at once.
        let never = || async { Err::<(i32, i32), _>(AppError::Internal("must not compute".into())) };
        assert_eq!(shelf.through("k".into(), 7, never).await.unwrap(), (720, 690));
        drop(refreshing);
        // Nobody is: this caller computes it again.
        assert_eq!(shelf.through("k".into(), 7, || async { Ok((720, 700)) }).await.unwrap(), (720, 700));
        // A report was written since (a new generation): the kept value is not served.
        assert_eq!(shelf.through("k".into(), 8, || async { Ok((720, 710)) }).await.unwrap(), (720, 710));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_expired_value_is_answered_at_once_while_a_background_task_computes_it_again() {
        let shelf = Shelf::new(Duration::from_secs(60));
        let long_ago = Instant::now() - Duration::from_secs(61);
        shelf.inner.entries.lock().unwrap().insert("screen".into(), (7, long_ago, 690));
        let (release, released) = tokio::sync::watch::channel(false);
        let computed = Arc::new(AtomicUsize::new(0));
        let slow = |computed: Arc<AtomicUsize>, mut released: tokio::sync::watch::Receiver<bool>| {
            move || async move {
                computed.fetch_add(1, Ordering::SeqCst);
                let _ = released.wait_for(|r| *r).await;
                Ok(700)
            }
        };
        // The caller is answered with the kept value while the refresh has not finished.
        let first = shelf.through_behind("screen".into(), 7, slow(computed.clone(), released.clone())).await;
        assert_eq!(first.unwrap(), 690);
        until(|| computed.load(Ordering::SeqCst) == 1).await;
        // Callers during the refresh: answered at once too, and no second refresh starts.
        let second = shelf.through_behind("screen".into(), 7, slow(computed.clone(), released.clone())).await;
        assert_eq!(second.unwrap(), 690);
        release.send(true).unwrap();
        until(|| matches!(shelf.kept("screen", 7), Kept::Fresh(700))).await;
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        let never = || async { Err::<i32, _>(AppError::Internal("must not compute".into())) };
        assert_eq!(shelf.through_behind("screen".into(), 7, never).await.unwrap(), 700);
        // A new generation is waited for, never answered with the old one.
        assert_eq!(shelf.through_behind("screen".into(), 8, || async { Ok(710) }).await.unwrap(), 710);
    }
}
