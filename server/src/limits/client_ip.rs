//! The client's address: the connection's peer, or what a trusted reverse proxy says it is.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The client behind `peer`: `X-Forwarded-For` is read only when `peer` is a trusted proxy, from
/// the right (the entries the proxies appended), skipping further trusted proxies, so a client
/// cannot choose its address by sending the header itself.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static(value));
        h
    }

    #[test]
    fn the_header_counts_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        // Not from a proxy: the header is the client's own invention.
        assert_eq!(
            client_ip(stranger, &forwarded("192.0.2.1"), &trusted),
            stranger
        );
        // From the proxy: the rightmost untrusted entry, whatever the client put before it.
        assert_eq!(
            client_ip(proxy, &forwarded("1.1.1.1, 192.0.2.1, 10.0.0.9"), &trusted),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(client_ip(proxy, &forwarded("nonsense"), &trusted), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[]), proxy);
    }
}
