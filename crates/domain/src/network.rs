//! Which network addresses the platform may send to on a user's behalf (webhooks).
//!
//! A webhook URL is typed by an operator or a township; the server posts to it. It must never
//! reach inside the county's network or the server itself: loopback, private, shared (CGNAT),
//! link-local (cloud metadata at 169.254.169.254), multicast, broadcast, unspecified,
//! documentation and other special-purpose ranges are refused, for IPv4 and IPv6, including
//! IPv4 written inside IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`). A host the county
//! allow-lists (an intranet DingTalk or WeCom gateway) is the one exception.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// May the platform send to this address?
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0                                   // "this network", unspecified
        || a == 10                                         // private
        || a == 127                                        // loopback
        || (a == 100 && (64..128).contains(&b))            // shared address space (CGNAT)
        || (a == 169 && b == 254)                          // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))             // private
        || (a == 192 && b == 0 && c == 0)                  // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                  // documentation
        || (a == 192 && b == 88 && c == 99)                // 6to4 relay anycast
        || (a == 192 && b == 168)                          // private
        || (a == 198 && (b == 18 || b == 19))              // benchmarking
        || (a == 198 && b == 51 && c == 100)               // documentation
        || (a == 203 && b == 0 && c == 113)                // documentation
        || a >= 224; // multicast, reserved, broadcast
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let special = ip.is_unspecified()
        || ip.is_loopback()
        || (s[0] & 0xff00) == 0xff00                       // multicast
        || (s[0] & 0xfe00) == 0xfc00                       // unique local
        || (s[0] & 0xffc0) == 0xfe80                       // link-local
        || (s[0] & 0xffc0) == 0xfec0                       // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8)              // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])        // discard-only
        || s[0] == 0x2002                                  // 6to4: an IPv4 address inside
        || (s[0] == 0x2001 && s[1] == 0); // Teredo
    !special
}

/// IPv4 carried in an IPv6 address: mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`) and
/// NAT64 (`64:ff9b::a.b.c.d`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_loopback() && !ip.is_unspecified() => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        _ => None,
    }
}

/// Is this host on the county's allow-list? Names compare without case and without a trailing
/// dot; an entry `.example.gov.cn` allows every name under it.
pub fn allow_listed(host: &str, allow: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    allow.iter().any(|a| {
        let a = a.trim().trim_end_matches('.').to_ascii_lowercase();
        let a = a.trim_start_matches('[').trim_end_matches(']');
        !a.is_empty() && (host == a || (a.starts_with('.') && host.ends_with(a)))
    })
}

/// Names that always mean this machine, whatever DNS says.
pub fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host == "localhost.localdomain"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn inside_addresses_are_refused() {
        for a in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "2002:7f00:1::",
        ] {
            assert!(!public(a), "{a} must be refused");
        }
    }

    #[test]
    fn outside_addresses_are_allowed() {
        for a in ["203.119.1.1", "47.96.1.1", "172.32.0.1", "100.128.0.1", "8.8.8.8", "2400:3200::1", "::ffff:8.8.8.8"]
        {
            assert!(public(a), "{a} is on the internet");
        }
    }

    #[test]
    fn the_allow_list_matches_names_and_suffixes() {
        let allow = vec!["gw.intranet.gov.cn".to_string(), ".robots.local".into(), "10.1.2.3".into(), "[::1]".into()];
        assert!(allow_listed("GW.intranet.gov.cn.", &allow));
        assert!(allow_listed("ding.robots.local", &allow));
        assert!(allow_listed("10.1.2.3", &allow));
        assert!(allow_listed("[::1]", &allow));
        assert!(!allow_listed("evil-gw.intranet.gov.cn", &allow));
        assert!(!allow_listed("robots.local.evil.com", &allow));
        assert!(!allow_listed("x", &[String::new()]));
    }

    #[test]
    fn local_names_are_local() {
        assert!(is_local_name("localhost") && is_local_name("LOCALHOST.") && is_local_name("a.localhost"));
        assert!(!is_local_name("localhost.example.com"));
    }
}
