//! Refusing private networks: IP-literal hosts are checked directly, names through a DNS
//! resolver that drops private answers (so a name cannot be pointed at an internal address).

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Loopback, private, link-local, unique-local, unspecified, CGNAT, documentation and
/// broadcast addresses: nothing a public site lives on.
pub fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_non_public(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (seg[0] & 0xfe00) == 0xfc00
                || (seg[0] & 0xffc0) == 0xfe80
        }
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
        ] {
            assert!(is_non_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_non_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_url_host(&Url::parse("http://localhost:8000/").unwrap()).is_err());
        assert!(check_url_host(&Url::parse("http://[::1]/").unwrap()).is_err());
        assert!(check_url_host(&Url::parse("https://example.com/").unwrap()).is_ok());
    }
}
