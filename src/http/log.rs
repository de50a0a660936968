//! What `serve` logs, through `tracing`: each request (method, path with
//! tokens redacted, status, latency) and each error, on stderr, as text or
//! as JSON lines. `RUST_LOG` chooses what (default `info`). Nothing logged
//! holds an email address: tokens are cut from paths, query strings are
//! left out, and error texts pass through [`redact_addresses`].

use std::time::Duration;

use axum::http::{Request, Response};
use tracing::Span;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Installs the subscriber for `serve` (once per process; later calls do nothing).
pub fn init(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}

/// The path with the token segment of signed links replaced by `…`.
pub fn redact_path(path: &str) -> String {
    for prefix in ["/confirm/", "/unsubscribe/", "/preferences/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return format!("{prefix}…");
        }
    }
    redact_addresses(path)
}

pub use crate::subscribers::redact_addresses;

/// The span of one request: method and redacted path.
pub fn make_span<B>(req: &Request<B>) -> Span {
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %redact_path(req.uri().path()),
    )
}

/// One line when the response is ready: status and latency.
pub fn on_response<B>(res: &Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = res.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "response"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_addresses_never_reach_the_log() {
        assert_eq!(redact_path("/confirm/c2.abc.def"), "/confirm/…");
        assert_eq!(redact_path("/unsubscribe/u2.x.y.z"), "/unsubscribe/…");
        assert_eq!(redact_path("/fi/subscribe"), "/fi/subscribe");
        assert_eq!(redact_path("/x/anna@example.org"), "/x/<address>");
        assert_eq!(
            redact_addresses("550 5.1.1 <Anna.V+x@mail.example.org>: no such user; b@c.fi"),
            "550 5.1.1 <<address>>: no such user; <address>"
        );
        assert_eq!(redact_addresses("a @ b, @home"), "a @ b, @home");
    }
}
