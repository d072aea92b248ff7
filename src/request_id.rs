//! Request ids: `x-request-id` taken from the client when it is sane, generated otherwise,
//! echoed on the response and carried in a task-local so that 5xx bodies can name it. The
//! [`crate::api::edge`] layer assigns the id and runs the request inside [`scope`].

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The header carrying the id (a constant, so that no request parses the name).
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: HeaderValue;
}

/// The id of the request being handled, or `-` outside a request.
pub fn current() -> String {
    REQUEST_ID
        .try_with(|id| id.to_str().unwrap_or("-").to_owned())
        .unwrap_or_else(|_| "-".to_owned())
}

/// Runs `future` with `id` as the [`current`] request id.
pub fn scope<F: Future>(id: HeaderValue, future: F) -> impl Future<Output = F::Output> {
    REQUEST_ID.scope(id, future)
}

/// The client's id when it is 1–128 visible ASCII characters, else a generated one.
pub fn assign(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(&HEADER)
        .filter(|value| sane(value.as_bytes()))
        .cloned()
        .unwrap_or_else(generate)
}

fn sane(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= 128 && id.iter().all(u8::is_ascii_graphic)
}

/// 16 hex digits, distinct for every request of this process: a counter passed through a
/// bijection of `u64` (an odd multiplier, then a per-process random offset). The id only has
/// to find log lines, so this costs an atomic add instead of a system call per request.
fn generate() -> HeaderValue {
    static OFFSET: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let offset = *OFFSET.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // A failed read of the OS generator falls back to the clock.
        if getrandom::fill(&mut bytes).is_err() {
            bytes = jiff::Timestamp::now().as_nanosecond().to_le_bytes()[..8]
                .try_into()
                .unwrap_or_default();
        }
        u64::from_le_bytes(bytes)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let id = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(offset);
    HeaderValue::from_bytes(&hex16(id)).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

fn hex16(value: u64) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = DIGITS[((value >> (60 - 4 * i)) & 0xf) as usize];
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_ids_are_16_hex_digits_and_distinct() {
        let ids: HashSet<_> = (0..10_000)
            .map(|_| generate().to_str().map(str::to_owned))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("ASCII id: {e}"));
        assert_eq!(ids.len(), 10_000);
        for id in &ids {
            assert_eq!(id.len(), 16, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
    }

    #[test]
    fn hex16_writes_every_nibble_most_significant_first() {
        assert_eq!(&hex16(0x0123_4567_89ab_cdef), b"0123456789abcdef");
        assert_eq!(&hex16(0), b"0000000000000000");
    }

    #[test]
    fn a_client_id_is_kept_only_when_it_is_sane() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_static("abc-123"));
        assert_eq!(assign(&headers), "abc-123");
        headers.insert(HEADER, HeaderValue::from_static("has space"));
        assert_ne!(assign(&headers), "has space");
        let long = "x".repeat(129);
        headers.insert(
            HEADER,
            HeaderValue::from_str(&long).unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(assign(&headers).len(), 16);
        assert_eq!(assign(&HeaderMap::new()).len(), 16);
    }

    #[tokio::test]
    async fn current_names_the_scoped_id_and_dashes_outside() {
        assert_eq!(current(), "-");
        let inside = scope(HeaderValue::from_static("req-7"), async { current() }).await;
        assert_eq!(inside, "req-7");
    }
}
