//! Where webhooks may post: public addresses only (`weiyuan_domain::network`), checked when a
//! webhook is registered (after resolving its name) and again at every delivery (the resolver
//! of the sending client drops inside addresses, so a name that changes its answer is caught
//! too); redirects are not followed; credentials in URLs are refused. Hosts on the county's
//! allow-list (config `webhook_allow_hosts`) are exempt.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use weiyuan_domain::network::{allow_listed, is_local_name, is_public};

/// The policy and the client that follows it.
#[derive(Clone)]
pub struct Destinations {
    allow: Arc<Vec<String>>,
    client: reqwest::Client,
}

impl Default for Destinations {
    fn default() -> Self {
        Destinations::new(Vec::new())
    }
}

/// Why a URL may not be used: a message key (`error.webhook_*`).
pub type Refusal = &'static str;

impl Destinations {
    pub fn new(allow: Vec<String>) -> Destinations {
        let allow = Arc::new(allow);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(PublicOnly { allow: allow.clone() })
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("webhook client");
        Destinations { allow, client }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The URL's form: http(s), a host, no user or password. Returns the host as the URL
    /// parser reads it (`2130706433` is read as `127.0.0.1`).
    pub fn parse(url: &str) -> Result<reqwest::Url, Refusal> {
        let u = reqwest::Url::parse(url.trim()).map_err(|_| "error.url")?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err("error.url");
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err("error.webhook_credentials");
        }
        if u.host_str().is_none_or(str::is_empty) {
            return Err("error.url");
        }
        Ok(u)
    }

    fn allowed(&self, u: &reqwest::Url) -> bool {
        u.host_str().is_some_and(|h| allow_listed(h, &self.allow))
    }

    /// The check before a send: the form, then the address when the host is one; names are
    /// checked by the client's resolver as it connects.
    pub fn check_literal(&self, url: &str) -> Result<(), Refusal> {
        let u = Destinations::parse(url)?;
        if self.allowed(&u) {
            return Ok(());
        }
        match u.host() {
            Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => Err("error.webhook_inside"),
            Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => Err("error.webhook_inside"),
            Some(url::Host::Domain(d)) if is_local_name(d) => Err("error.webhook_inside"),
            _ => Ok(()),
        }
    }

    /// The check at registration: the form, and every address the name resolves to now.
    pub async fn check(&self, url: &str) -> Result<(), Refusal> {
        self.check_literal(url)?;
        let u = Destinations::parse(url)?;
        if self.allowed(&u) {
            return Ok(());
        }
        if let Some(url::Host::Domain(name)) = u.host() {
            let port = u.port_or_known_default().unwrap_or(80);
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name, port)).await.map_err(|_| "error.webhook_unresolved")?.collect();
            if addrs.is_empty() {
                return Err("error.webhook_unresolved");
            }
            if addrs.iter().any(|a| !is_public(a.ip())) {
                return Err("error.webhook_inside");
            }
        }
        Ok(())
    }
}

/// A resolver that answers only public addresses (all of them for an allow-listed name).
struct PublicOnly {
    allow: Arc<Vec<String>>,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            if is_local_name(&host) && !allow_listed(&host, &allow) {
                return Err("address not allowed".into());
            }
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let keep: Vec<SocketAddr> =
                if allow_listed(&host, &allow) { all } else { all.into_iter().filter(|a| is_public(a.ip())).collect() };
            if keep.is_empty() {
                return Err("address not allowed".into());
            }
            let addrs: Addrs = Box::new(keep.into_iter());
            Ok(addrs)
        })
    }
}

/// What the operator reads about a failed delivery: the kind of failure, never what answered
/// inside (no addresses, no server banners).
pub fn failure(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_redirect() {
        "redirect not followed".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn inside_urls_are_refused_in_every_spelling() {
        let d = Destinations::default();
        for (url, code) in [
            ("http://127.0.0.1:5432/", "error.webhook_inside"),
            ("http://2130706433/", "error.webhook_inside"),
            ("http://0x7f.1/", "error.webhook_inside"),
            ("http://0177.0.0.1/", "error.webhook_inside"),
            ("http://[::1]/", "error.webhook_inside"),
            ("http://[::ffff:7f00:1]/", "error.webhook_inside"),
            ("http://localhost:8080/", "error.webhook_inside"),
            ("http://LOCALHOST./", "error.webhook_inside"),
            ("http://169.254.169.254/latest/meta-data/", "error.webhook_inside"),
            ("http://10.0.0.8/hook", "error.webhook_inside"),
            ("http://0.0.0.0/", "error.webhook_inside"),
            ("https://user:pass@oapi.dingtalk.com/robot/send", "error.webhook_credentials"),
            ("https://user@oapi.dingtalk.com/robot/send", "error.webhook_credentials"),
            ("ftp://example.com/", "error.url"),
            ("not a url", "error.url"),
        ] {
            assert_eq!(d.check(url).await, Err(code), "{url}");
        }
        assert_eq!(d.check_literal("https://oapi.dingtalk.com/robot/send?access_token=x"), Ok(()));
    }

    #[tokio::test]
    async fn the_sending_client_neither_resolves_inside_names_nor_follows_redirects() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // A server that redirects to the metadata address.
        let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = served.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let reply = "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n";
                let _ = s.write_all(reply.as_bytes()).await;
            }
        });
        let strict = Destinations::default();
        let e = strict.client().post(format!("http://localhost:{port}/")).send().await.unwrap_err();
        assert_eq!(failure(&e), "connection failed");
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing reached the server");
        // Allowed to reach it: the redirect is answered as it is, not followed.
        let open = Destinations::new(vec!["localhost".into()]);
        let r = open.client().post(format!("http://localhost:{port}/")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 302);
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_allow_listed_host_may_be_inside() {
        let d = Destinations::new(vec!["127.0.0.1".into(), "gw.localhost".into()]);
        assert_eq!(d.check("http://127.0.0.1:9000/hook").await, Ok(()));
        assert_eq!(d.check("http://2130706433:9000/hook").await, Ok(()), "the same address, spelled otherwise");
        assert_eq!(d.check_literal("http://gw.localhost/"), Ok(()));
        assert_eq!(d.check("http://127.0.0.2/").await, Err("error.webhook_inside"));
        assert_eq!(d.check("http://u:p@127.0.0.1/").await, Err("error.webhook_credentials"));
    }
}
