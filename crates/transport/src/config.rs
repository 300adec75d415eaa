//! HTTP-level settings: CORS, proxies, rate limits, request validation, body size.

use std::net::IpAddr;
use std::time::Duration;

/// Settings of the HTTP layer, built by the binary from its configuration.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Allowed CORS origins; `["*"]` allows any.
    pub cors_origins: Vec<String>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Rate limiting.
    pub rate_limit: RateLimitConfig,
    /// `VALIDATION_ENABLED`: JSON bodies must be declared `application/json` (else 415).
    pub validation_enabled: bool,
    /// `VALIDATION_STRICT_MODE`: unknown fields in JSON bodies are rejected (422).
    pub strict_mode: bool,
    /// Largest accepted request body (413 beyond).
    pub body_limit: usize,
    /// Longest `?wait=N` long-poll.
    pub max_wait: Duration,
    /// `METRICS_PUBLIC`: `/metrics` needs no credentials.
    pub metrics_public: bool,
    /// `METRICS_SCRAPE_TOKEN`: a bearer token Prometheus may use for `/metrics` only.
    pub scrape_token: Option<String>,
    /// WebSocket settings.
    pub ws: crate::ws::WsConfig,
    /// `HEALTH_CACHE_MS`: how long one deep `/health` result is reused.
    pub health_cache: Duration,
    /// `MCP_ALLOWED_HOSTS`: `Host` values `/mcp` answers (DNS-rebinding guard); empty
    /// accepts any.
    pub mcp_allowed_hosts: Vec<String>,
    /// MCP tool-call waits.
    pub mcp: seo_mcp::McpSettings,
    /// `IMPORT_MAX_BYTES`: largest dataset upload (413 beyond).
    pub import_max_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            rate_limit: RateLimitConfig::default(),
            validation_enabled: true,
            strict_mode: false,
            body_limit: 1024 * 1024,
            max_wait: Duration::from_secs(60),
            metrics_public: false,
            scrape_token: None,
            ws: crate::ws::WsConfig::default(),
            health_cache: Duration::from_millis(1000),
            mcp_allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            mcp: seo_mcp::McpSettings::default(),
            import_max_bytes: 50 * 1024 * 1024,
        }
    }
}

/// Rate-limit settings.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// `RATE_LIMIT_ENABLED`.
    pub enabled: bool,
    /// `RATE_LIMIT_REQUESTS_PER_MINUTE`, per user (authenticated) or per client IP.
    pub per_minute: u64,
    /// Login attempts allowed per IP and username in `login_window`.
    pub login_attempts: u64,
    /// The login window.
    pub login_window: Duration,
    /// `RATE_LIMIT_FAIL_OPEN`: allow requests when the counter store is unreachable.
    pub fail_open: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_minute: 60,
            login_attempts: 5,
            login_window: Duration::from_secs(300),
            fail_open: true,
        }
    }
}

/// An IP network (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpNet {
    type Err = String;

    /// ```
    /// use seo_transport::config::IpNet;
    /// let net: IpNet = "10.0.0.0/8".parse().unwrap();
    /// assert!(net.contains("10.1.2.3".parse().unwrap()));
    /// assert!(!net.contains("11.0.0.1".parse().unwrap()));
    /// assert!("300.1.1.1".parse::<IpNet>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{s}' is not an IP address or CIDR"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}' has a bad prefix length"))?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl IpNet {
    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, normalize(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix))
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix))
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses compare as IPv4.
fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client address: the socket peer, unless the peer is a trusted proxy, in which case
/// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer.map(normalize)?;
    if !trusted.iter().any(|n| n.contains(peer)) {
        return Some(peer);
    }
    let Some(xff) = forwarded_for else {
        return Some(peer);
    };
    for hop in xff.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.iter().any(|n| n.contains(ip)) => continue,
            Ok(ip) => return Some(normalize(ip)),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // Untrusted peer: the header is ignored.
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted),
            Some(ip("203.0.113.9"))
        );
        // Trusted proxy: the right-most untrusted hop.
        assert_eq!(
            client_ip(
                Some(ip("10.0.0.5")),
                Some("1.2.3.4, 198.51.100.7, 10.0.0.9"),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.5")), None, &trusted),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.5")), Some("garbage"), &trusted),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(
            client_ip(Some(ip("::ffff:10.0.0.5")), Some("1.2.3.4"), &trusted),
            Some(ip("1.2.3.4"))
        );
        let v6: IpNet = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
    }
}
