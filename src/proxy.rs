//! Trusted reverse proxies: whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
//!
//! A client can put anything in `X-Forwarded-For`. Only a proxy we trust appends a true
//! address, so the client IP is the *rightmost untrusted hop*: starting from the TCP peer,
//! walk the header from right to left while the address is a trusted proxy; the first address
//! that is not one is the client. When the TCP peer itself is not trusted, the headers are
//! ignored and the peer is the client. `X-Forwarded-Proto` likewise counts only from a trusted
//! peer.
//!
//! The default trusts loopback only (`127.0.0.0/8`, `::1`): a proxy on the same host.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A list of CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`, a bare address for one host).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Loopback only: `127.0.0.0/8` and `::1/128`.
    pub fn loopback() -> TrustedProxies {
        TrustedProxies(vec![
            Cidr { network: IpAddr::from([127, 0, 0, 0]), prefix: 8 },
            Cidr { network: IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), prefix: 128 },
        ])
    }

    /// No proxy is trusted: forwarding headers are always ignored.
    pub fn none() -> TrustedProxies {
        TrustedProxies(Vec::new())
    }

    /// Whether `ip` is a trusted proxy (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client address of a request from `peer` carrying these `X-Forwarded-For` header
    /// values (in order of appearance): the rightmost untrusted hop.
    ///
    /// A hop that is not an IP address (`unknown`, garbage) ends the walk: the address to its
    /// right, the last one a trusted proxy vouched for, is the answer.
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = canonical(peer);
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }

    /// Whether the request's `X-Forwarded-*` headers may be believed (the peer is trusted).
    pub fn trusts_peer(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|p| self.contains(p))
    }
}

impl fmt::Debug for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter().map(ToString::to_string)).finish()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma- or space-separated list (`"10.0.0.0/8, 192.0.2.7"`); `none` or empty: none.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(TrustedProxies::none());
        }
        s.split([',', ' ']).filter(|p| !p.trim().is_empty()).map(|p| p.trim().parse()).collect()
    }
}

impl FromIterator<Cidr> for TrustedProxies {
    fn from_iter<I: IntoIterator<Item = Cidr>>(iter: I) -> Self {
        TrustedProxies(iter.into_iter().collect())
    }
}

impl Serialize for TrustedProxies {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    /// A list of CIDR strings (TOML) or one comma-separated string (environment).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            One(String),
            Many(Vec<String>),
        }
        let list = match Form::deserialize(d)? {
            Form::One(s) => s.parse(),
            Form::Many(v) => v.iter().map(|s| s.trim().parse()).collect(),
        };
        list.map_err(serde::de::Error::custom)
    }
}

/// One CIDR block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                mask32(u32::from(a), self.prefix) == mask32(u32::from(n), self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                mask128(u128::from(a), self.prefix) == mask128(u128::from(n), self.prefix)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?} is not an IP address or CIDR block (e.g. 10.0.0.0/8)");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?
            }
            Some(_) => return Err(bad()),
            None => max,
        };
        let cidr = Cidr { network, prefix };
        // Host bits set (`10.1.2.3/8`) is almost always a typo: refuse rather than guess.
        if cidr.normalized() != network {
            return Err(format!("{s:?} has host bits set; did you mean {}?", cidr.normal_form()));
        }
        Ok(cidr)
    }
}

impl Cidr {
    fn normalized(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(n) => IpAddr::from(mask32(u32::from(n), self.prefix).to_be_bytes()),
            IpAddr::V6(n) => IpAddr::from(mask128(u128::from(n), self.prefix).to_be_bytes()),
        }
    }

    fn normal_form(&self) -> String {
        format!("{}/{}", self.normalized(), self.prefix)
    }
}

fn mask32(a: u32, prefix: u8) -> u32 {
    a.checked_shr(32 - u32::from(prefix))
        .map_or(0, |v| v.checked_shl(32 - u32::from(prefix)).unwrap_or(0))
}

fn mask128(a: u128, prefix: u8) -> u128 {
    a.checked_shr(128 - u32::from(prefix))
        .map_or(0, |v| v.checked_shl(128 - u32::from(prefix)).unwrap_or(0))
}

/// IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack socket reports) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` hop: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(s: &str) -> TrustedProxies {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_ignores_forwarded_for() {
        let p = proxies("10.0.0.0/8");
        assert_eq!(p.client_ip(ip("203.0.113.9"), ["1.2.3.4"].into_iter()), ip("203.0.113.9"));
    }

    #[test]
    fn client_is_the_rightmost_untrusted_hop() {
        let p = proxies("10.0.0.0/8, 192.0.2.7");
        let header = ["6.6.6.6, 198.51.100.4", "192.0.2.7"];
        assert_eq!(p.client_ip(ip("10.1.1.1"), header.into_iter()), ip("198.51.100.4"));
    }

    #[test]
    fn only_trusted_hops_give_the_leftmost() {
        let p = proxies("10.0.0.0/8");
        assert_eq!(p.client_ip(ip("10.0.0.1"), ["10.0.0.3, 10.0.0.2"].into_iter()), ip("10.0.0.3"));
    }

    #[test]
    fn garbage_hop_stops_at_the_last_vouched_address() {
        let p = proxies("10.0.0.0/8");
        assert_eq!(p.client_ip(ip("10.0.0.1"), ["unknown, 10.0.0.2"].into_iter()), ip("10.0.0.2"));
        assert_eq!(
            p.client_ip(ip("10.0.0.1"), ["[2001:db8::1]:80"].into_iter()),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn mapped_ipv4_counts_as_ipv4() {
        assert!(TrustedProxies::loopback().contains(ip("::ffff:127.0.0.1")));
        assert!(TrustedProxies::loopback().contains(ip("::1")));
        assert!(!TrustedProxies::loopback().contains(ip("192.0.2.1")));
    }

    #[test]
    fn cidr_parsing_is_strict() {
        assert!("10.0.0.0/8".parse::<Cidr>().is_ok());
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!("::/0".parse::<Cidr>().unwrap().contains(ip("2001:db8::1")));
        assert!("10.1.2.3/8".parse::<Cidr>().unwrap_err().contains("10.0.0.0/8"));
        for bad in ["10.0.0.0/33", "10.0.0.0/", "nope", "10.0.0.0/-1", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert_eq!(proxies("").0.len(), 0);
        assert_eq!(proxies("none"), TrustedProxies::none());
    }
}
