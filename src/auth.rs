//! Authentication (contract §1.9): API keys, admin keys, the loopback rule and signed download
//! links.
//!
//! Keys are compared in constant time: each candidate is hashed with SHA-256 and the digests are
//! compared with a branch-free fold, so neither the key's content nor its length shows in the
//! timing. [`check`], called by the API's edge layer on every request, decides per path which
//! credential a request needs; the decisions are pure functions, tested without a network.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::config::AuthConfig;
use crate::error::{ApiError, ErrorCode};
use crate::jobs::id::JobId;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The API-key header (a constant, so that a lookup does not parse the name every request).
pub const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");

/// What a request presented and what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A valid admin key (also valid wherever an API key is).
    Admin,
    /// A valid API key.
    Api,
    /// Auth is off: every analysis route is open.
    Open,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 401: no key, a wrong key, or two different keys.
    Unauthorized,
    /// 403: a valid key without the right, or an admin route from a non-loopback peer.
    Forbidden,
}

/// The configured keys and the link secret.
#[derive(Clone)]
pub struct Keys {
    api: Vec<[u8; 32]>,
    admin: Vec<[u8; 32]>,
    link_secret: Vec<u8>,
    metrics_public: bool,
}

fn digest(key: &[u8]) -> [u8; 32] {
    Sha256::digest(key).into()
}

/// Equal digests, without an early exit.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `candidate` is one of `keys`; every key is compared, whatever matches.
fn contains(keys: &[[u8; 32]], candidate: &[u8; 32]) -> bool {
    keys.iter()
        .fold(false, |found, key| found | same(key, candidate))
}

impl Keys {
    /// Keys from `[auth]`; an empty `link_secret` becomes a random one for this process.
    pub fn new(config: &AuthConfig) -> Self {
        let link_secret = if config.link_secret.is_empty() {
            let mut secret = vec![0u8; 32];
            // Without the OS generator, links are signed with a per-process clock value; they
            // still expire and cannot outlive the process.
            if getrandom::fill(&mut secret).is_err() {
                secret = jiff::Timestamp::now()
                    .as_nanosecond()
                    .to_le_bytes()
                    .to_vec();
            }
            secret
        } else {
            config.link_secret.as_bytes().to_vec()
        };
        let hash_all = |keys: &[String]| keys.iter().map(|k| digest(k.as_bytes())).collect();
        Self {
            api: hash_all(&config.api_keys),
            admin: hash_all(&config.admin_keys),
            link_secret,
            metrics_public: config.metrics_public,
        }
    }

    /// Auth is on when API keys are configured.
    pub fn enabled(&self) -> bool {
        !self.api.is_empty()
    }

    /// The access a presented key grants (`None` = no key presented).
    pub fn access(&self, presented: Option<&str>) -> Result<Access, Refusal> {
        let Some(key) = presented else {
            return if self.enabled() {
                Err(Refusal::Unauthorized)
            } else {
                Ok(Access::Open)
            };
        };
        let candidate = digest(key.as_bytes());
        if contains(&self.admin, &candidate) {
            Ok(Access::Admin)
        } else if contains(&self.api, &candidate) {
            Ok(Access::Api)
        } else if self.enabled() {
            Err(Refusal::Unauthorized)
        } else {
            Ok(Access::Open)
        }
    }

    /// The admin rule: an admin key when admin keys exist; otherwise a loopback peer.
    pub fn admin(&self, access: Access, peer: Option<IpAddr>) -> Result<(), Refusal> {
        if !self.admin.is_empty() {
            return if access == Access::Admin {
                Ok(())
            } else {
                Err(Refusal::Forbidden)
            };
        }
        if peer.is_some_and(is_loopback) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// `/metrics`: open when `auth.metrics_public`, otherwise the admin rule.
    pub fn metrics(&self, access: Access, peer: Option<IpAddr>) -> Result<(), Refusal> {
        if self.metrics_public {
            Ok(())
        } else {
            self.admin(access, peer)
        }
    }

    /// The signature of a download link for `id` valid until `expires` (Unix seconds).
    pub fn sign(&self, id: &JobId, expires: i64) -> String {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.link_secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(format!("{id}:{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether a link's token is the signature for `id` and has not expired at `now`.
    pub fn verify(&self, id: &JobId, expires: i64, token: &str, now: i64) -> bool {
        let Ok(tag) = hex::decode(token) else {
            return false;
        };
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.link_secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(format!("{id}:{expires}").as_bytes());
        mac.verify_slice(&tag).is_ok() && now <= expires
    }
}

/// Loopback, including IPv4-mapped IPv6 loopback (`::ffff:127.0.0.1`).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The key a request presents: `Authorization: Bearer` or `X-API-Key` (both and different →
/// refused), or `?access_token=` where `allow_query` (SSE, whose browsers cannot set headers).
fn presented_key(
    headers: &HeaderMap,
    query: Option<&str>,
    allow_query: bool,
) -> Result<Option<String>, Refusal> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").map(str::trim).map(str::to_owned));
    let api_key = headers
        .get(&X_API_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = allow_query
        .then(|| query_param(query, "access_token"))
        .flatten();
    match (bearer, api_key) {
        (Some(a), Some(b)) if a != b => Err(Refusal::Unauthorized),
        (Some(a), _) | (None, Some(a)) => Ok(Some(a)),
        (None, None) => Ok(from_query),
    }
}

/// One query parameter's raw value.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| value.to_owned())
    })
}

/// Which credential a path needs.
#[derive(Debug, PartialEq, Eq)]
enum Guard {
    None,
    Key,
    Admin,
    Metrics,
    /// A download: a key, or a valid signed link.
    Download,
    /// SSE: a key in a header or in `?access_token=`.
    Events,
}

fn guard_for(path: &str) -> Guard {
    let Some(rest) = path.strip_prefix("/api/v1/analysis/") else {
        return if path == "/metrics" {
            Guard::Metrics
        } else {
            Guard::None
        };
    };
    match rest {
        "stats" | "jobs" | "cleanup" => Guard::Admin,
        r if r.starts_with("download/") => Guard::Download,
        r if r.starts_with("job/") && r.ends_with("/events") => Guard::Events,
        _ => Guard::Key,
    }
}

/// The 401 (with `WWW-Authenticate`) or 403 envelope for a refusal.
pub fn refuse(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => {
            let mut response = ApiError::with_details(
                ErrorCode::Unauthorized,
                "Unauthorized",
                "Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        Refusal::Forbidden => ApiError::with_details(
            ErrorCode::Forbidden,
            "Forbidden",
            "This route needs an admin key (or, without admin keys, a loopback client).",
        )
        .into_response(),
    }
}

/// Whether `request` carries the credential its path needs (the edge layer answers a refusal
/// with [`refuse`]). CORS preflights never get here: the CORS layer outside answers them.
pub fn check(keys: &Keys, request: &Request) -> Result<(), Refusal> {
    let guard = guard_for(request.uri().path());
    if guard == Guard::None {
        return Ok(());
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let key = presented_key(
        request.headers(),
        request.uri().query(),
        guard == Guard::Events,
    )?;
    if guard == Guard::Download && key.is_none() && keys.enabled() && signed_link_ok(keys, request)
    {
        return Ok(());
    }
    let access = keys.access(key.as_deref())?;
    match guard {
        Guard::Admin => keys.admin(access, peer),
        Guard::Metrics => keys.metrics(access, peer),
        _ => Ok(()),
    }
}

fn signed_link_ok(keys: &Keys, request: &Request) -> bool {
    let query = request.uri().query();
    let name = request.uri().path().rsplit('/').next().unwrap_or("");
    let id = name
        .strip_prefix("rankmap_")
        .and_then(|n| n.strip_suffix(".xlsx"));
    let (Some(id), Some(token), Some(expires)) = (
        id.and_then(|i| i.parse::<JobId>().ok()),
        query_param(query, "token"),
        query_param(query, "expires"),
    ) else {
        return false;
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    keys.verify(&id, expires, &token, jiff::Timestamp::now().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(api: &[&str], admin: &[&str]) -> Keys {
        Keys::new(&AuthConfig {
            api_keys: api.iter().map(|s| (*s).to_owned()).collect(),
            admin_keys: admin.iter().map(|s| (*s).to_owned()).collect(),
            metrics_public: false,
            link_secret: "secret".into(),
        })
    }

    #[test]
    fn keys_grant_api_or_admin_access_and_wrong_ones_are_refused() {
        let k = keys(&["api1"], &["adm1"]);
        assert_eq!(k.access(Some("api1")), Ok(Access::Api));
        assert_eq!(k.access(Some("adm1")), Ok(Access::Admin));
        assert_eq!(k.access(Some("api")), Err(Refusal::Unauthorized));
        assert_eq!(k.access(Some("api11")), Err(Refusal::Unauthorized));
        assert_eq!(k.access(None), Err(Refusal::Unauthorized));
        assert_eq!(keys(&[], &[]).access(None), Ok(Access::Open));
    }

    #[test]
    fn admin_routes_need_an_admin_key_or_without_admin_keys_a_loopback_peer() {
        let with_admins = keys(&["api1"], &["adm1"]);
        let remote: IpAddr = "203.0.113.9".parse().unwrap_or_else(|_| unreachable!());
        let local: IpAddr = "127.0.0.1".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(
            with_admins.admin(Access::Api, Some(local)),
            Err(Refusal::Forbidden)
        );
        assert_eq!(with_admins.admin(Access::Admin, Some(remote)), Ok(()));
        let without = keys(&["api1"], &[]);
        assert_eq!(without.admin(Access::Api, Some(local)), Ok(()));
        assert_eq!(
            without.admin(Access::Api, Some(remote)),
            Err(Refusal::Forbidden)
        );
        assert_eq!(without.admin(Access::Open, None), Err(Refusal::Forbidden));
    }

    #[test]
    fn loopback_includes_ipv6_and_mapped_ipv4() {
        for ip in ["127.0.0.1", "127.8.9.1", "::1", "::ffff:127.0.0.1"] {
            assert!(
                is_loopback(ip.parse().unwrap_or_else(|_| unreachable!())),
                "{ip}"
            );
        }
        for ip in [
            "10.0.0.1",
            "192.168.1.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "0.0.0.0",
        ] {
            assert!(
                !is_loopback(ip.parse().unwrap_or_else(|_| unreachable!())),
                "{ip}"
            );
        }
    }

    #[test]
    fn two_different_keys_are_refused_and_the_query_token_only_counts_where_allowed() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        h.insert("x-api-key", HeaderValue::from_static("b"));
        assert_eq!(presented_key(&h, None, false), Err(Refusal::Unauthorized));
        h.insert("x-api-key", HeaderValue::from_static("a"));
        assert_eq!(presented_key(&h, None, false), Ok(Some("a".into())));
        let empty = HeaderMap::new();
        assert_eq!(
            presented_key(&empty, Some("access_token=k"), true),
            Ok(Some("k".into()))
        );
        assert_eq!(
            presented_key(&empty, Some("access_token=k"), false),
            Ok(None)
        );
    }

    #[test]
    fn signed_links_verify_until_they_expire_and_only_for_their_job() {
        let k = keys(&["api1"], &[]);
        let id: JobId = "job_1738268400000_a1b2c3d4e5f6a7b8"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let other: JobId = "job_1738268400000_a1b2c3d4e5f6a7b9"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let token = k.sign(&id, 1_000);
        assert!(k.verify(&id, 1_000, &token, 999));
        assert!(!k.verify(&id, 1_000, &token, 1_001), "expired");
        assert!(!k.verify(&id, 2_000, &token, 999), "expiry tampered");
        assert!(!k.verify(&other, 1_000, &token, 999), "another job");
        assert!(!k.verify(&id, 1_000, "zz", 999));
    }

    #[test]
    fn paths_map_to_their_guards() {
        assert_eq!(guard_for("/healthz"), Guard::None);
        assert_eq!(guard_for("/readyz"), Guard::None);
        assert_eq!(guard_for("/metrics"), Guard::Metrics);
        assert_eq!(guard_for("/api/v1/analysis/stats"), Guard::Admin);
        assert_eq!(guard_for("/api/v1/analysis/jobs"), Guard::Admin);
        assert_eq!(guard_for("/api/v1/analysis/cleanup"), Guard::Admin);
        assert_eq!(guard_for("/api/v1/analysis/analyze-file"), Guard::Key);
        assert_eq!(guard_for("/api/v1/analysis/job/x"), Guard::Key);
        assert_eq!(guard_for("/api/v1/analysis/job/x/events"), Guard::Events);
        assert_eq!(
            guard_for("/api/v1/analysis/download/rankmap_x.xlsx"),
            Guard::Download
        );
    }
}
