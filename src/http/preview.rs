//! The live side of a writer's preview (`serve --drafts`): a server-sent
//! event stream (`/_pressroom/events`) that says "reload" with the pages
//! that changed when the site was updated, and "problem" (with
//! `file:line:col: error: …`) when the content has errors; and the small
//! script (`/_pressroom/live.js`) that every preview page loads to act on
//! them: reload if the page is among those changed (an email view, made on
//! request, always reloads), or show the problem over the page until it is
//! fixed (then reload).

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast;

use super::AppState;

/// What the preview tells its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The site was updated: these pages (site paths such as `/fi/x/`,
    /// `/fi/feed.xml`) changed; `None`: any may have.
    Reload(Option<Arc<[String]>>),
    /// The content has errors (the text `check` prints).
    Problem(String),
    /// The server is stopping: event streams end.
    Stop,
}

/// Pages a preview makes when they are asked for, by site path (such as
/// `_email/some-release/fi/index.html`): `None` when there is no such page,
/// an error when it cannot be made.
pub type Pages = dyn Fn(&str) -> Option<anyhow::Result<Vec<u8>>> + Send + Sync;

/// The channel between the rebuilding watcher and the open pages, and the
/// pages made on request.
pub struct Preview {
    tx: broadcast::Sender<Change>,
    problem: Mutex<Option<String>>,
    pages: Option<Box<Pages>>,
}

impl std::fmt::Debug for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preview")
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl Preview {
    pub fn new() -> Arc<Self> {
        Self::with_pages(None)
    }

    /// A preview whose email views (`/_email/…`) `pages` makes on request.
    pub fn with_pages(pages: Option<Box<Pages>>) -> Arc<Self> {
        Arc::new(Self {
            tx: broadcast::channel(16).0,
            problem: Mutex::new(None),
            pages,
        })
    }

    /// Tells every open page what happened (a page that opens later hears
    /// the problem, if there still is one, as soon as it connects).
    pub fn announce(&self, change: Change) {
        let mut problem = self.problem.lock().expect("lock");
        match &change {
            Change::Reload(_) => *problem = None,
            Change::Problem(text) => *problem = Some(text.clone()),
            Change::Stop => {}
        }
        drop(problem);
        let _ = self.tx.send(change);
    }
}

/// The site paths of the files at `rels` (relative to the site): a page's
/// `index.html` is its folder.
pub fn pages_of(rels: &[String]) -> Option<Arc<[String]>> {
    Some(
        rels.iter()
            .map(|rel| format!("/{}", rel.strip_suffix("index.html").unwrap_or(rel)))
            .collect(),
    )
}

const LIVE_JS: &str = r#"(function () {
  var events = new EventSource("/_pressroom/events");
  events.addEventListener("reload", function (e) {
    var here = decodeURI(location.pathname);
    var mine = e.data === "*" || here.indexOf("/_email/") === 0 ||
      document.getElementById("pressroom-problem") !== null ||
      JSON.parse(e.data).some(function (p) { return p === here || p === here + "/"; });
    if (mine) { location.reload(); }
  });
  events.addEventListener("problem", function (e) {
    var box = document.getElementById("pressroom-problem");
    if (!box) {
      box = document.createElement("pre");
      box.id = "pressroom-problem";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;margin:0;padding:1rem;background:#5c0000;color:#fff;font:15px/1.5 monospace;white-space:pre-wrap;z-index:2147483647";
      document.body.appendChild(box);
    }
    box.textContent = e.data;
  });
})();
"#;

/// `GET /_pressroom/live.js`
pub async fn live_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_JS,
    )
        .into_response()
}

/// `GET /_email/{*rest}`: an email view, made when asked for (so that it
/// shows the subscriber counts of the moment, and saving a release costs
/// no email render). A folder is its `index.html`.
pub async fn email_view(
    State(st): State<Arc<AppState>>,
    axum::extract::Path(rest): axum::extract::Path<String>,
) -> Response {
    use axum::http::StatusCode;
    let Some(preview) = st.preview.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut path = format!("{}{rest}", crate::render::EMAIL_VIEWS);
    if !path.ends_with(".html") {
        if !path.ends_with('/') {
            path.push('/');
        }
        path.push_str("index.html");
    }
    let made = tokio::task::spawn_blocking(move || preview.pages.as_ref().and_then(|p| p(&path)))
        .await
        .ok()
        .flatten();
    match made {
        Some(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "cannot make an email view");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("{e:#}"),
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /_pressroom/events`: server-sent events, one per change.
pub async fn events(State(st): State<Arc<AppState>>) -> Response {
    let Some(preview) = st.preview.clone() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let rx = preview.tx.subscribe();
    let first = preview
        .problem
        .lock()
        .expect("lock")
        .clone()
        .map(Change::Problem);
    let stream = futures_util::stream::unfold((first, rx), |(pending, mut rx)| async move {
        let change = match pending {
            Some(c) => c,
            None => match rx.recv().await {
                Ok(c) => c,
                // Missed some: which pages changed is not known.
                Err(broadcast::error::RecvError::Lagged(_)) => Change::Reload(None),
                Err(broadcast::error::RecvError::Closed) => return None,
            },
        };
        let event = match change {
            Change::Reload(pages) => Event::default()
                .event("reload")
                .data(pages.map_or_else(|| "*".to_string(), |p| serde_json::json!(*p).to_string())),
            Change::Problem(text) => Event::default()
                .event("problem")
                .data(text.replace('\r', "")),
            Change::Stop => return None,
        };
        Some((Ok::<_, Infallible>(event), (None, rx)))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
