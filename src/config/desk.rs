//! `[desk]`: where the desk (the staff's pages) listens, the address staff
//! open it at, how many approvals a release needs, and how long a sign-in
//! lasts.

use serde::Deserialize;

use super::MaxAge;

/// `[desk]` in pressroom.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskConfig {
    /// `HOST:PORT` of the desk's own listener; none, no desk
    /// (`serve --desk-addr` sets it too). Keep it on the internal network
    /// or behind a reverse proxy that speaks HTTPS.
    pub addr: Option<String>,
    /// The address staff open the desk at (`https://desk.example.org/`):
    /// the one-time password links are made from it, and the sign-in
    /// cookie is `Secure` when it is https. Default: `http://ADDR/`.
    #[serde(default, deserialize_with = "desk_url")]
    pub url: Option<url::Url>,
    /// Approvals a release needs from someone who did not write or change
    /// it, before it is sent (0: a one-person office).
    #[serde(default = "one")]
    pub approvals: u32,
    /// A sign-in ends after this long without a request ("30min").
    #[serde(default = "idle")]
    pub idle_timeout: MaxAge,
    /// A sign-in ends this long after it began, however busy ("12h").
    #[serde(default = "limit")]
    pub session_limit: MaxAge,
}

impl Default for DeskConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults deserialise")
    }
}

impl DeskConfig {
    /// Whether the sign-in cookie must be `Secure`: the desk is reached
    /// over https.
    pub fn is_https(&self) -> bool {
        self.url.as_ref().is_some_and(|u| u.scheme() == "https")
    }
}

/// An http(s) address, ending with `/`.
fn desk_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<url::Url>, D::Error> {
    let s = String::deserialize(d)?;
    let mut url = url::Url::parse(s.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "'{s}' is not a web address ({e}): write it as https://desk.example.org/"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(serde::de::Error::custom(format!(
            "'{s}' must be an http:// or https:// address"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(Some(url))
}

fn one() -> u32 {
    1
}
fn idle() -> MaxAge {
    MaxAge(std::time::Duration::from_secs(30 * 60))
}
fn limit() -> MaxAge {
    MaxAge(std::time::Duration::from_secs(12 * 3600))
}
