//! The desk's sender, inside `serve`: carries out each "send now" within
//! seconds of its confirmation (woken by the desk, and every two seconds
//! in case another `serve` of the same pressroom took the request), one at
//! a time, and, with `[desk] scheduled_sends = "serve"`, runs `publish`'s
//! build-and-send each minute. A send that another sender (`publish` from
//! its timer) blocks waits and is tried again; one that `serve` was
//! stopped in the middle of is taken up again at the next start. The
//! journal makes each message go once whatever happens.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::super::AppState;
use crate::config::Scheduler;
use crate::db::SendState;
use crate::desk::audit::{self, Action, Actor};
use crate::desk::sending::{self, Carried};

/// Runs until `stopped` says so; a send in progress is stopped after the
/// messages in flight (the rest stays queued for the next start).
pub async fn run(st: Arc<AppState>, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _ = stopped.wait_for(|s| *s).await;
            stop.store(true, Ordering::SeqCst);
        });
    }
    if let Err(e) = st.with_db(|db| db.sends().recover()) {
        tracing::error!(error = %e, "desk sender: cannot read the sends asked for");
    }
    let mut last_publish: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        loop {
            let (st, stop) = (st.clone(), stop.clone());
            match tokio::task::spawn_blocking(move || carry_out_next(&st, &stop)).await {
                Ok(Ok(true)) if !stop_now(&stopped) => continue,
                Ok(Err(e)) => tracing::error!(error = %e, "desk sender"),
                _ => {}
            }
            break;
        }
        if st.config.desk.scheduled_sends == Scheduler::Serve
            && last_publish.is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            last_publish = Some(Instant::now());
            let (st, stop) = (st.clone(), stop.clone());
            let done = tokio::task::spawn_blocking(move || {
                sending::publish_due(&st.config.root, &sending::public_dir(&st.config), &stop)
            })
            .await;
            match done {
                Ok(Ok(t)) if t.sent > 0 || !t.failed.is_empty() => {
                    tracing::info!("{}", t.log_line("serve-publish", Instant::now()));
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %crate::subscribers::redact_addresses(&e.to_string()), "scheduled sends")
                }
                _ => {}
            }
        }
        tokio::select! {
            () = st.desk_wake.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = stopped.wait_for(|s| *s) => break,
        }
    }
}

fn stop_now(stopped: &tokio::sync::watch::Receiver<bool>) -> bool {
    *stopped.borrow()
}

/// Carries out the oldest waiting send, if any: whether there was one
/// (and so perhaps another).
fn carry_out_next(st: &AppState, stop: &AtomicBool) -> anyhow::Result<bool> {
    let Some(req) = st.with_db(|db| db.sends().take_waiting())? else {
        return Ok(false);
    };
    let outcome = sending::carry_out(
        &st.config.root,
        &sending::public_dir(&st.config),
        &req.release,
        req.include_new,
        req.correction.as_deref(),
        stop,
    );
    let (state, line) = match outcome {
        Ok(Carried::Busy) => {
            st.with_db(|db| db.sends().put_back(req.id))?;
            return Ok(false);
        }
        Ok(Carried::Finished(state, line)) => (state, line),
        Err(e) => (
            SendState::Failed,
            crate::subscribers::redact_addresses(&format!("{e:#}")),
        ),
    };
    tracing::info!(release = %req.release, state = state.as_str(), "desk send: {line}");
    st.with_db(|db| {
        db.sends().finish(req.id, state, &line)?;
        audit::record(
            db,
            &Actor::system("serve"),
            Action::Sent,
            Some(&req.release),
            Some(&format!("{}: {line}", state.as_str())),
        )
    })?;
    Ok(true)
}
