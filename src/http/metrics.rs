//! What `serve` counts, for Prometheus: sign-ups, confirmations,
//! unsubscribes, requests refused by the rate limits, and responses by
//! status code. Served as OpenMetrics text on `GET /metrics` of the
//! separate `--metrics-addr` only, never on the public address.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// A response's status code, as a label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Code {
    pub code: u16,
}

/// The counters of one server.
pub struct Metrics {
    registry: Registry,
    /// Sign-ups that sent a confirmation email.
    pub signups: Counter,
    /// Subscriptions confirmed (the button of a confirmation link).
    pub confirmations: Counter,
    /// Unsubscribes: the page's button and one-click.
    pub unsubscribes: Counter,
    /// Requests refused by a limit (per client, per address, per hour).
    pub rate_limited: Counter,
    /// Responses by status code.
    pub responses: Family<Code, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("pressroom");
        let signups = Counter::default();
        let confirmations = Counter::default();
        let unsubscribes = Counter::default();
        let rate_limited = Counter::default();
        let responses = Family::<Code, Counter>::default();
        registry.register(
            "signups",
            "Sign-ups that sent a confirmation email",
            signups.clone(),
        );
        registry.register(
            "confirmations",
            "Subscriptions confirmed",
            confirmations.clone(),
        );
        registry.register(
            "unsubscribes",
            "Unsubscribes, by the page's button or one-click",
            unsubscribes.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused by a rate limit",
            rate_limited.clone(),
        );
        registry.register(
            "http_responses",
            "HTTP responses by status code",
            responses.clone(),
        );
        Self {
            registry,
            signups,
            confirmations,
            unsubscribes,
            rate_limited,
            responses,
        }
    }
}

impl Metrics {
    /// The counters as OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// Counts every response of the public server by its status code.
pub async fn count_responses(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let res = next.run(req).await;
    metrics
        .responses
        .get_or_create(&Code {
            code: res.status().as_u16(),
        })
        .inc();
    res
}

/// `GET /metrics` of the metrics address.
pub async fn metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    let mut res = (StatusCode::OK, metrics.encode()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}

/// The metrics address's whole service: `/metrics` and nothing else.
pub fn router(metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(self::metrics))
        .with_state(metrics)
}
