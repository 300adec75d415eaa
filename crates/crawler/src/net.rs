//! Refusing private networks: IP-literal hosts are checked directly, names through a DNS
//! resolver that drops private answers (so a name cannot be pointed at an internal address).

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// IPv4 blocks that are not globally reachable unicast: the IANA IPv4 Special-Purpose
/// Address Registry (every block not marked globally reachable, and the few marked so that
/// are infrastructure, not websites), plus multicast and broadcast.
const V4_REFUSED: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (CGNAT)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
    ([192, 31, 196, 0], 24), // AS112
    ([192, 52, 193, 0], 24), // AMT
    ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([192, 175, 48, 0], 24), // AS112 direct delegation
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 broadcast
];

/// IPv6 blocks that are not globally reachable unicast (IANA IPv6 Special-Purpose Address
/// Registry), plus the translation prefixes that would reach IPv4 addresses we refuse.
const V6_REFUSED: &[([u16; 8], u8)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 96), // unspecified, loopback, IPv4-compatible
    ([0, 0, 0, 0, 0, 0xffff, 0, 0], 96), // IPv4-mapped
    ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96), // NAT64 well-known prefix
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), // NAT64 local use
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64), // discard-only
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments (Teredo, ORCHID…)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation
    ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16), // SRv6 SIDs
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), // unique local
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), // link-local
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), // multicast
];

fn in_v4(ip: std::net::Ipv4Addr, (net, len): ([u8; 4], u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from_be_bytes(net) & mask
}

fn in_v6(ip: std::net::Ipv6Addr, (net, len): ([u16; 8], u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(std::net::Ipv6Addr::from(net)) & mask
}

/// Whether `ip` is anything but a globally reachable unicast address: private, loopback,
/// link-local, shared, documentation, benchmarking, multicast, reserved, and IPv6 forms that
/// embed or translate to such IPv4 addresses. Nothing a public site lives on.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => V4_REFUSED.iter().any(|b| in_v4(v4, *b)),
        IpAddr::V6(v6) => V6_REFUSED.iter().any(|b| in_v6(v6, *b)),
    }
}

/// Refuses a URL whose host is a non-public IP literal or `localhost`.
pub fn check_url_host(url: &Url) -> Result<(), String> {
    match url.host() {
        Some(Host::Ipv4(ip)) if is_non_public(IpAddr::V4(ip)) => {
            Err(format!("{ip} is a private or loopback address"))
        }
        Some(Host::Ipv6(ip)) if is_non_public(IpAddr::V6(ip)) => {
            Err(format!("{ip} is a private or loopback address"))
        }
        Some(Host::Domain(d))
            if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
        {
            Err(format!("{d} is a loopback name"))
        }
        None => Err("no host".into()),
        _ => Ok(()),
    }
}

/// Resolves the URL's host and refuses it when every address is non-public.
pub async fn check_resolves_public(url: &Url) -> Result<(), String> {
    let Some(Host::Domain(d)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((d, port))
        .await
        .map_err(|e| format!("{d} does not resolve: {e}"))?
        .collect();
    if !addrs.is_empty() && addrs.iter().all(|a| is_non_public(a.ip())) {
        return Err(format!(
            "{d} resolves only to private or loopback addresses"
        ));
    }
    Ok(())
}

/// A resolver that returns only public addresses.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| !is_non_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let it: Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::a00:1",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "224.0.0.1",
            "239.255.255.250",
            "ff02::1",
            "198.18.0.1",
            "198.19.255.255",
            "100.127.255.255",
            "0.1.2.3",
            "255.255.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "203.0.113.80",
            "2001:db8::1",
            "2002:a00:1::1",
            "2001::1",
            "::",
            "::10.0.0.1",
        ] {
            assert!(is_non_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "198.20.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::1",
        ] {
            assert!(!is_non_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_url_host(&Url::parse("http://localhost:8000/").unwrap()).is_err());
        assert!(check_url_host(&Url::parse("http://[::1]/").unwrap()).is_err());
        assert!(check_url_host(&Url::parse("https://example.com/").unwrap()).is_ok());
    }
}
