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
    /// The largest file staff may upload ("20 MB"; KB, MB and GB are
    /// powers of 1,000, KiB and MiB of 1,024; a bare number is bytes).
    #[serde(default = "upload")]
    pub upload_limit: Size,
    /// The team's test inboxes: the editor can send a test copy to all of
    /// them at once, beside the one to one's own address.
    #[serde(default, deserialize_with = "addresses")]
    pub test_recipients: Vec<String>,
    /// Who sends a release scheduled on the desk at its date: `"timer"`
    /// (the default: `publish`, from pressroom-publish.timer or cron) or
    /// `"serve"` (serve runs `publish`'s sending each minute; for a server
    /// without the timer; turn the timer off then). "Send now" is always
    /// carried out by `serve`.
    #[serde(default)]
    pub scheduled_sends: Scheduler,
    /// Every account must have a second factor (TOTP): one without is
    /// sent to enrol before any other page.
    #[serde(default)]
    pub require_totp: bool,
    /// Each change made on the desk is also a git commit of `releases/`
    /// (when it is in a git work tree), by the staff member.
    #[serde(default)]
    pub git: bool,
    /// Local passwords on the desk's sign-in page. `false` once signing in
    /// with the organisation's account (`[desk.oidc]`) works: then only a
    /// one-time link from `pressroom users add` (or an admin) opens the
    /// desk without it.
    #[serde(default = "yes")]
    pub password_sign_in: bool,
    /// `[desk.oidc]`: signing in with the organisation's account.
    pub oidc: Option<OidcConfig>,
}

/// `[desk.oidc]`: the organisation's OpenID provider (Microsoft Entra ID,
/// Google Workspace, Keycloak). The client secret comes from
/// `PRESSROOM_OIDC_SECRET`, never from this file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// The provider's issuer: its discovery document is at this address +
    /// `/.well-known/openid-configuration`. https, or http on loopback
    /// (for a test provider).
    #[serde(deserialize_with = "issuer")]
    pub issuer: url::Url,
    /// The desk's client id at the provider.
    pub client_id: String,
    /// The claim of the ID token that holds the person's address:
    /// `"email"` (the default) or `"preferred_username"` (Entra ID's user
    /// principal name, an address too).
    #[serde(default)]
    pub claim: Claim,
    /// Anyone whose address is in this domain may sign in, as a writer,
    /// without an admin adding them first.
    #[serde(default, deserialize_with = "domain")]
    pub allow_domain: Option<String>,
    /// What the sign-in button names ("Microsoft"); default: the
    /// organisation's account.
    pub label: Option<String>,
    /// The client secret, from `PRESSROOM_OIDC_SECRET`.
    #[serde(skip)]
    pub secret: Option<String>,
}

/// Which claim names the person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    #[default]
    Email,
    PreferredUsername,
}

/// The issuer: https, or http on a loopback address.
fn issuer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<url::Url, D::Error> {
    let s = String::deserialize(d)?;
    let url = url::Url::parse(s.trim()).map_err(|e| {
        serde::de::Error::custom(format!(
            "'{s}' is not a web address ({e}): write the issuer as https://login.microsoftonline.com/TENANT-ID/v2.0"
        ))
    })?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(serde::de::Error::custom(format!(
            "'{s}' must be an https:// address (http:// only on this machine, for a test provider)"
        )));
    }
    Ok(url)
}

/// A domain name, lower case, without `@`.
fn domain<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim().trim_start_matches('@').to_ascii_lowercase();
    if t.is_empty() || !t.contains('.') || t.contains(|c: char| c.is_whitespace() || c == '@') {
        return Err(serde::de::Error::custom(format!(
            "'{s}' is not a domain: write it as example.fi"
        )));
    }
    Ok(Some(t))
}

fn yes() -> bool {
    true
}

/// Who carries out the sends scheduled on the desk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    /// `pressroom publish`, from its timer.
    #[default]
    Timer,
    /// `serve` itself, each minute.
    Serve,
}

/// Email addresses, each checked (the subscribers' own check reads them
/// again when a copy goes out); a bad one is named.
fn addresses<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let given = Vec::<String>::deserialize(d)?;
    for s in &given {
        if !email_address::EmailAddress::is_valid(s.trim()) {
            return Err(serde::de::Error::custom(format!(
                "'{s}' is not an email address: write it as name@example.org"
            )));
        }
    }
    Ok(given.into_iter().map(|s| s.trim().to_string()).collect())
}

/// A number of bytes, written `20 MB`, `512 KiB` or `1048576`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl Size {
    /// `text` as a size, or why it is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: f64 = number.parse().map_err(|_| {
            format!("'{text}' is not a size: write it as 20 MB, 500 KB or a number of bytes")
        })?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" | "k" => 1_000,
            "kib" => 1 << 10,
            "mb" | "m" => 1_000_000,
            "mib" => 1 << 20,
            "gb" | "g" => 1_000_000_000,
            "gib" => 1 << 30,
            other => {
                return Err(format!(
                    "'{other}' in '{text}' is not a unit: use KB, MB or GB (or KiB, MiB, GiB)"
                ));
            }
        };
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let bytes = (n * factor as f64).round() as u64;
        if bytes == 0 {
            return Err(format!("'{text}' is no bytes at all"));
        }
        Ok(Size(bytes))
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            Bytes(u64),
            Text(String),
        }
        match Given::deserialize(d)? {
            Given::Bytes(0) => Err(serde::de::Error::custom("a size of 0 bytes takes no file")),
            Given::Bytes(n) => Ok(Size(n)),
            Given::Text(t) => Size::parse(&t).map_err(serde::de::Error::custom),
        }
    }
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

    /// The address a browser opens the desk at: `[desk] url`, else
    /// `http://ADDR/` when ADDR is one a browser can open and that can be
    /// known in advance (not port 0, which is any free port, nor every
    /// interface). The error says what to set.
    pub fn browser_base(&self) -> Result<url::Url, String> {
        const SET_URL: &str =
            "set [desk] url to the address staff open the desk at (https://desk.example.org/)";
        match (&self.url, &self.addr) {
            (Some(u), _) => Ok(u.clone()),
            (None, Some(addr)) => {
                if let Ok(socket) = addr.parse::<std::net::SocketAddr>() {
                    if socket.port() == 0 {
                        return Err(format!(
                            "the desk's address {addr} has port 0, any free port, which cannot be known in advance; {SET_URL}, or give the desk a fixed port"
                        ));
                    }
                    if socket.ip().is_unspecified() {
                        return Err(format!(
                            "the desk's address {addr} is every interface, which no browser can open; {SET_URL}"
                        ));
                    }
                }
                url::Url::parse(&format!("http://{addr}/")).map_err(|e| {
                    format!("the desk's address '{addr}' is no web address ({e}); {SET_URL}")
                })
            }
            (None, None) => Err(format!(
                "the desk has no address: {SET_URL} (or [desk] addr)"
            )),
        }
    }

    /// The address the provider sends a person back to:
    /// [`browser_base`](DeskConfig::browser_base) + `desk/login/oidc/callback`.
    pub fn oidc_redirect(&self) -> Result<url::Url, String> {
        let base = self
            .browser_base()
            .map_err(|e| format!("[desk.oidc] cannot send people back to the desk (its redirect URI, registered with the provider, is this address + desk/login/oidc/callback): {e}"))?;
        base.join("desk/login/oidc/callback")
            .map_err(|e| format!("[desk.oidc] cannot make the callback address from {base} ({e})"))
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

fn upload() -> Size {
    Size(20_000_000)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_sends_people_back_only_to_an_address_it_can_know() {
        let desk = |toml: &str| toml::from_str::<DeskConfig>(toml).unwrap();
        let redirect = |toml: &str| desk(toml).oidc_redirect();
        assert_eq!(
            redirect("url = \"https://desk.example.org/\"\naddr = \"127.0.0.1:0\"")
                .unwrap()
                .as_str(),
            "https://desk.example.org/desk/login/oidc/callback"
        );
        assert_eq!(
            redirect("addr = \"127.0.0.1:8090\"").unwrap().as_str(),
            "http://127.0.0.1:8090/desk/login/oidc/callback"
        );
        assert_eq!(
            redirect("addr = \"desk.internal:8090\"").unwrap().as_str(),
            "http://desk.internal:8090/desk/login/oidc/callback"
        );
        let err = redirect("addr = \"127.0.0.1:0\"").unwrap_err();
        assert!(
            err.contains("port 0, any free port") && err.contains("set [desk] url"),
            "{err}"
        );
        for every in ["0.0.0.0:8090", "[::]:8090"] {
            let err = redirect(&format!("addr = \"{every}\"")).unwrap_err();
            assert!(
                err.contains("every interface") && err.contains("set [desk] url"),
                "{err}"
            );
        }
        let err = redirect("").unwrap_err();
        assert!(err.contains("set [desk] url"), "{err}");
    }

    #[test]
    fn a_test_recipient_that_is_no_address_is_named() {
        let ok: DeskConfig = toml::from_str("test_recipients = [\" a@example.fi \"]").unwrap();
        assert_eq!(ok.test_recipients, ["a@example.fi"]);
        let err = toml::from_str::<DeskConfig>(
            "test_recipients = [\"a@example.fi\", \"not an address\"]",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("'not an address' is not an email address"),
            "{err}"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(Size::parse("20 MB"), Ok(Size(20_000_000)));
        assert_eq!(Size::parse("512KiB"), Ok(Size(524_288)));
        assert_eq!(Size::parse("1.5 mb"), Ok(Size(1_500_000)));
        assert_eq!(Size::parse("1000"), Ok(Size(1000)));
        assert!(Size::parse("20 megs").unwrap_err().contains("'megs'"));
        assert!(Size::parse("MB").is_err());
        assert!(Size::parse("0 MB").is_err());
    }
}
