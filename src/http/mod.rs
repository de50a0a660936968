//! The public's side: `pressroom serve` serves the built site and the
//! subscription pages (subscribe, confirm, one-click unsubscribe,
//! preferences) on one origin, in every site language. Built on axum/tokio;
//! database work runs on blocking threads against SQLite in WAL mode.

mod client;
pub mod desk;
pub mod form;
mod limiter;
pub mod log;
pub mod mail;
pub mod metrics;
pub mod preview;
pub mod subscription;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

pub use limiter::RateLimiter;
pub use log::LogFormat;

use crate::config::Config;
use crate::db::{Db, SubscriberStore};
use crate::delivery::Transport;
use crate::i18n::Lang;
use crate::render::{OrgView, Urls};
use crate::subscribers::Secret;

/// Everything the handlers share.
pub struct AppState {
    pub config: Config,
    pub secret: Secret,
    pub db: PathBuf,
    pub transport: Transport,
    /// DKIM signers for the confirmation email, loaded once.
    pub dkim: Vec<crate::delivery::dkim::Signer>,
    pub limiter: RateLimiter,
    /// What the server counts, for `--metrics-addr`.
    pub metrics: Arc<metrics::Metrics>,
    orgs: HashMap<Lang, OrgView>,
    pool: Mutex<Vec<Db>>,
    /// A writer's preview: the live-reload channel.
    pub preview: Option<Arc<preview::Preview>>,
    /// What the desk read of the release files: a request reads again
    /// only what changed since (nothing, when nothing did).
    pub desk_content: crate::content::live::Live,
    /// The desk's last previews, served to their frames.
    pub desk_previews: desk::preview::PreviewStore,
    /// Wakes the desk's sender when a "send now" is asked for.
    pub desk_wake: tokio::sync::Notify,
    /// Signing in with the organisation's account, with `[desk.oidc]`.
    pub oidc: Option<crate::desk::oidc::Oidc>,
}

impl AppState {
    pub fn new(
        config: Config,
        secret: Secret,
        db: PathBuf,
        transport: Transport,
    ) -> anyhow::Result<Self> {
        let urls = Urls::new(&config);
        let orgs = config
            .site
            .languages
            .iter()
            .map(|l| (l.clone(), OrgView::new(&config, l, &urls)))
            .collect();
        // Create and migrate the database before the first request.
        let store = Db::open(&db)?;
        let sealed = crate::desk::totp::seal_plain(&store, &secret)?;
        if sealed > 0 {
            tracing::info!("sealed {sealed} desk second factors stored before sealing");
        }
        let dkim = crate::delivery::message::dkim_signers(&config)?;
        let desk_content = crate::content::live::Live::new(&config.root);
        Ok(Self {
            dkim,
            limiter: RateLimiter::new(config.serve.signups_per_ip_per_hour),
            metrics: Arc::default(),
            config,
            secret,
            db,
            transport,
            orgs,
            pool: Mutex::new(vec![store]),
            preview: None,
            desk_content,
            desk_previews: desk::preview::PreviewStore::default(),
            desk_wake: tokio::sync::Notify::new(),
            oidc: None,
        })
    }

    /// Runs `f` with the subscriber records, on a pooled connection.
    pub fn with_store<T, E: Into<anyhow::Error>>(
        &self,
        f: impl FnOnce(&SubscriberStore<'_>) -> Result<T, E>,
    ) -> anyhow::Result<T> {
        self.with_db(|db| f(&db.subscribers()))
    }

    /// Runs `f` with a database connection from the pool.
    pub fn with_db<T, E: Into<anyhow::Error>>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, E>,
    ) -> anyhow::Result<T> {
        let store = self.pool.lock().expect("lock").pop();
        let store = match store {
            Some(s) => s,
            None => Db::open(&self.db)?,
        };
        let result = f(&store).map_err(Into::into);
        let mut pool = self.pool.lock().expect("lock");
        if pool.len() < 16 {
            pool.push(store);
        }
        result
    }

    fn org(&self, lang: &Lang) -> &OrgView {
        self.orgs
            .get(lang)
            .or_else(|| self.orgs.get(&self.config.site.default_lang))
            .expect("an org view per language")
    }
}

/// Only the site's own files: stylesheet, scripts (a preview's live
/// reload), the frames of a preview's email view; no inline script or style.
const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A preview's email views: the page has its own styles, and the email
/// (CSS inlined into `style` attributes, as mail clients need) is shown in
/// frames of the page.
const EMAIL_VIEW_CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'";

/// Security and caching headers on every response.
async fn headers(req: Request<axum::body::Body>, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = next.run(req).await;
    let status = res.status();
    let h = res.headers_mut();
    let email_view = path.starts_with(&format!("/{}", crate::render::EMAIL_VIEWS));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if email_view { EMAIL_VIEW_CSP } else { CSP }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static(if email_view { "SAMEORIGIN" } else { "DENY" }),
    );
    if !status.is_success() && status != axum::http::StatusCode::NOT_MODIFIED {
        // Errors (400, 404, 405, 408, 413, 429, 503) are never cached.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if !h.contains_key(header::CACHE_CONTROL) {
        let html = h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let value = if html || path.ends_with(".xml") {
            "no-cache"
        } else {
            "public, max-age=3600"
        };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    if path.ends_with("/feed.xml") && res.status().is_success() {
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/rss+xml; charset=utf-8"),
        );
    }
    res
}

/// The site's own 404 page for `path`: the language's (`/sv/…` gets
/// `sv/404.html`), else the root's, which speaks every language.
async fn not_found(public: &std::path::Path, path: &str) -> Response {
    use axum::response::IntoResponse;
    let lang = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|seg| crate::i18n::Lang::parse(seg).is_ok());
    let localized = match lang {
        Some(l) => tokio::fs::read(public.join(l).join("404.html")).await.ok(),
        None => None,
    };
    let body = match localized {
        Some(b) => b,
        None => tokio::fs::read(public.join("404.html"))
            .await
            .unwrap_or_else(|_| b"Not found".to_vec()),
    };
    let mut res = (axum::http::StatusCode::NOT_FOUND, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// No redirects, ever: a directory asked for without its final slash
/// (`/en`) is served as if it had one, a path with an empty segment
/// (`//evil.example`) is not found, and any redirect the static file
/// service would still make becomes a 404.
async fn site_paths(
    axum::extract::State(public): axum::extract::State<Arc<PathBuf>>,
    mut req: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path.contains("//") {
        return not_found(&public, "/").await;
    }
    let plain = path
        .split('/')
        .all(|seg| !seg.starts_with('.') && !seg.contains(['%', '\\']));
    if plain && !path.ends_with('/') && public.join(&path[1..]).is_dir() {
        let with_slash = match req.uri().query() {
            Some(q) => format!("{path}/?{q}"),
            None => format!("{path}/"),
        };
        if let Ok(uri) = with_slash.parse() {
            *req.uri_mut() = uri;
        }
    }
    let path = req.uri().path().to_string();
    // A symbolic link inside the site (which no build makes) is never
    // followed: what it points to may be anything on the machine.
    let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    if crate::files::through_symlink(&public, &decoded) {
        tracing::warn!(path = %path, "refused a path through a symbolic link in the site's folder");
        return not_found(&public, &path).await;
    }
    let res = next.run(req).await;
    // 304 Not Modified is a 3xx too, but the answer to a browser's
    // revalidation (every page is `no-cache`), not a redirect.
    if res.status().is_redirection() && res.status() != axum::http::StatusCode::NOT_MODIFIED {
        return not_found(&public, &path).await;
    }
    res
}

/// The desk has a listener of its own: the public address answers 404.
async fn desk_is_elsewhere(
    axum::extract::State(st): axum::extract::State<Arc<AppState>>,
) -> Response {
    not_found(&st.config.root.join(&st.config.serve.public_dir), "/").await
}

/// The application: subscription routes, then the static site; every
/// response with security headers, every request logged.
pub fn router(state: Arc<AppState>, public: PathBuf) -> Router {
    use tower_http::trace::TraceLayer;
    let missing = Arc::new(public.clone());
    let not_found = tower::service_fn(move |req: Request<axum::body::Body>| {
        let public = missing.clone();
        async move { Ok::<_, std::convert::Infallible>(not_found(&public, req.uri().path()).await) }
    });
    let site = ServeDir::new(&public).not_found_service(not_found);
    Router::new()
        .route("/healthz", get(subscription::healthz))
        .route("/_pressroom/live.js", get(preview::live_js))
        .route("/_pressroom/events", get(preview::events))
        .route("/_email/{*rest}", get(preview::email_view))
        .route("/desk", axum::routing::any(desk_is_elsewhere))
        .route("/desk/", axum::routing::any(desk_is_elsewhere))
        .route("/desk/{*rest}", axum::routing::any(desk_is_elsewhere))
        .route(
            "/{lang}/subscribe",
            get(subscription::subscribe_form).post(subscription::subscribe),
        )
        .route(
            "/confirm/{token}",
            get(subscription::confirm_page).post(subscription::confirm),
        )
        .route(
            "/unsubscribe/{token}",
            get(subscription::unsubscribe_page).post(subscription::unsubscribe),
        )
        .route(
            "/preferences/{token}",
            get(subscription::preferences).post(subscription::save_preferences),
        )
        .fallback_service(site)
        .layer(middleware::from_fn_with_state(Arc::new(public), site_paths))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(15),
        ))
        .layer(middleware::from_fn(headers))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::count_responses,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(log::make_span)
                .on_request(())
                .on_response(log::on_response),
        )
        .with_state(state)
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is
/// called, not when first polled: a signal that comes right after the
/// "Listening" line still stops the server gracefully.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = term => {},
                () = int => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    }
}

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Accepts connections until `shutdown`, serving each over HTTP/1.1 with a
/// header read timeout (`header_timeout`) that also closes idle kept-alive
/// connections, so a trickling client cannot hold a socket; then drains
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut make = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(svc) = make.call(peer).await;
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let connection = http.serve_connection(TokioIo::new(stream), svc);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
}

/// A writer's preview, served by [`run`]: its live-reload channel and the
/// private folder where its throwaway database and outbox live.
pub struct PreviewRun {
    pub preview: Arc<preview::Preview>,
    pub scratch: PathBuf,
}

/// A signing key that lives as long as one preview: its links work in
/// that preview only.
fn throwaway_secret() -> anyhow::Result<Secret> {
    use aws_lc_rs::rand::SecureRandom;
    let mut key = [0u8; 32];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| anyhow::anyhow!("the system has no random numbers for a preview key"))?;
    Ok(Secret::from_bytes(&key))
}

/// The subscription service of a pressroom, ready to serve on a listener
/// (see [`serve`]): the router, the state behind it, and how long a
/// request's headers may take.
pub struct Service {
    pub router: Router,
    /// The desk's routes (none in a writer's preview), for a listener of
    /// their own.
    pub desk: Option<Router>,
    pub header_timeout: Duration,
    state: Arc<AppState>,
    /// The private folder of a writer's preview.
    scratch: Option<PathBuf>,
}

impl Service {
    /// The desk's sender ([`desk::sender`]), to run beside the desk's
    /// listener until `stopped` says so; none without a desk.
    pub fn desk_sender(
        &self,
        stopped: tokio::sync::watch::Receiver<bool>,
    ) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        self.desk
            .as_ref()
            .map(|_| desk::sender::run(self.state.clone(), stopped))
    }
}

/// The service of the pressroom that `config` describes: its built site,
/// its database, secret and transport. A writer's preview (`preview`)
/// never touches the pressroom's database nor its secret: sign-ups go to
/// a throwaway database in its private folder, links are signed with a
/// throwaway key, and confirmation emails go to an outbox there, whatever
/// relays are configured.
pub fn service(config: Config, preview: Option<PreviewRun>) -> anyhow::Result<Service> {
    let (db, secret, transport, preview) = match preview {
        Some(p) => (
            p.scratch.join("preview.db"),
            throwaway_secret()?,
            crate::delivery::Transport::Outbox(p.scratch.join("outbox")),
            Some(p),
        ),
        None => (
            crate::db::database_path(&config),
            Secret::load(&crate::subscribers::secret_path(&config))?,
            crate::delivery::Transport::from_config(&config)?,
            None,
        ),
    };
    let scratch = preview.as_ref().map(|p| p.scratch.clone());
    let public = config.root.join(&config.serve.public_dir);
    if !public.join("index.html").is_file() {
        anyhow::bail!(
            "{} has no built site: run `pressroom build` first",
            public.display()
        );
    }
    let header_timeout = Duration::from_secs(u64::from(config.serve.header_timeout_seconds.max(1)));
    let mut config = config;
    if let Some(o) = config.desk.oidc.as_mut()
        && o.secret.is_none()
    {
        o.secret = std::env::var("PRESSROOM_OIDC_SECRET").ok();
    }
    let mut state = AppState::new(config, secret, db, transport)?;
    if preview.is_none() {
        state.oidc = crate::desk::oidc::Oidc::new(&state.config.desk)?;
    }
    state.preview = preview.map(|p| p.preview);
    let state = Arc::new(state);
    let desk = state.preview.is_none().then(|| desk::router(state.clone()));
    Ok(Service {
        router: router(state.clone(), public),
        desk,
        header_timeout,
        state,
        scratch,
    })
}

/// `pressroom serve`: binds `addr`, prints the address, serves until SIGTERM
/// or Ctrl-C (see [`service`]).
pub fn run(
    config: Config,
    addr: &str,
    metrics_addr: Option<&str>,
    log_format: LogFormat,
    preview: Option<PreviewRun>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    log::init(log_format);
    let public = config.root.join(&config.serve.public_dir);
    let desk_addr = config.desk.addr.clone();
    let service = service(config, preview)?;
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let sender = service.desk_sender(stopped.clone());
    let Service {
        router: app,
        desk,
        header_timeout,
        state,
        scratch,
    } = service;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let stop = shutdown_signal();
        if state.preview.is_some() {
            // One line: scripts read the address from the first.
            let outbox = scratch.as_ref().map(|s| s.join("outbox"));
            writeln!(
                out,
                "Listening on http://{local}/ (a writer's preview: drafts and embargoed releases are shown with a banner; no mail is sent: sign-ups go to a throwaway database and confirmation emails to {}, both removed when the preview stops)",
                outbox.as_deref().unwrap_or(Path::new("the outbox")).display()
            )?;
        } else {
            writeln!(
                out,
                "Listening on http://{local}/ (serving {} and the subscription pages)",
                public.display()
            )?;
        }
        out.flush()?;
        if let Some(maddr) = metrics_addr {
            let listener = tokio::net::TcpListener::bind(maddr)
                .await
                .with_context(|| format!("cannot listen on {maddr} for metrics"))?;
            writeln!(out, "Metrics on http://{}/metrics", listener.local_addr()?)?;
            out.flush()?;
            // Ends with the runtime, when the public server has stopped.
            tokio::spawn(
                axum::serve(listener, metrics::router(state.metrics.clone())).into_future(),
            );
        }
        let desk_server = match (desk, desk_addr) {
            (Some(desk), Some(daddr)) => {
                let listener = tokio::net::TcpListener::bind(&daddr)
                    .await
                    .with_context(|| format!("cannot listen on {daddr} for the desk"))?;
                writeln!(out, "Desk on http://{}/desk/", listener.local_addr()?)?;
                out.flush()?;
                let mut stopped = stopped.clone();
                let shutdown = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                Some(tokio::spawn(serve(listener, desk, header_timeout, shutdown)))
            }
            _ => None,
        };
        let sender = match (&desk_server, sender) {
            (Some(_), Some(sender)) => Some(tokio::spawn(sender)),
            _ => None,
        };
        let preview = state.preview.clone();
        let shutdown = async move {
            stop.await;
            let _ = stopping.send(true);
            // Open pages hold their event stream for as long as they are
            // open: end the streams, or shutdown would wait for them.
            if let Some(p) = preview {
                p.announce(preview::Change::Stop);
            }
        };
        serve(listener, app, header_timeout, shutdown).await;
        if let Some(desk) = desk_server {
            let _ = desk.await;
        }
        if let Some(sender) = sender {
            let _ = sender.await;
        }
        drop(stopped);
        Ok(())
    })
}
