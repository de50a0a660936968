//! A relay as configured (`[delivery] relays`, `PRESSROOM_RELAYS`): a plain
//! value, parsed and checked with the rest of the configuration, that the
//! transport connects to.

use std::net::IpAddr;

/// Why a relay URL was refused. No variant holds a password: the URL is
/// shown with its user information replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    #[error("'{shown}' is not a relay URL ({why}); use smtp://host:port or smtps://host:port")]
    NotAUrl { shown: String, why: String },
    #[error(
        "'{scheme}://{host}…' has credentials in it; put them in PRESSROOM_SMTP_USER and PRESSROOM_SMTP_PASSWORD instead"
    )]
    Credentials { scheme: String, host: String },
    #[error("relay scheme '{0}' is not supported; use smtp:// or smtps://")]
    Scheme(String),
    #[error("'{0}' has no host")]
    NoHost(String),
}

/// A configured relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    pub implicit_tls: bool,
}

impl Relay {
    /// Parses `smtp://host[:port]` or `smtps://host[:port]`.
    /// Errors never repeat a password: the URL is shown with its user
    /// information replaced by `***`.
    pub fn parse(raw: &str) -> Result<Self, RelayError> {
        let shown = redact_userinfo(raw);
        let url = url::Url::parse(raw.trim()).map_err(|e| RelayError::NotAUrl {
            shown: shown.clone(),
            why: e.to_string(),
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(RelayError::Credentials {
                scheme: url.scheme().to_string(),
                host: url.host_str().unwrap_or("").to_string(),
            });
        }
        let implicit_tls = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(RelayError::Scheme(other.to_string())),
        };
        let host = url
            .host_str()
            .ok_or(RelayError::NoHost(shown))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port().unwrap_or(if implicit_tls { 465 } else { 25 });
        Ok(Self {
            host,
            port,
            implicit_tls,
        })
    }

    /// On this machine: plain SMTP is allowed only here.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// `s` with anything between `scheme://` (or the start) and the last `@`
/// replaced by `***`: a relay URL fit for an error message or a log.
pub fn redact_userinfo(s: &str) -> String {
    let (scheme, rest) = match s.find("://") {
        Some(i) => s.split_at(i + 3),
        None => ("", s),
    };
    match rest.rfind('@') {
        Some(j) => format!("{scheme}***@{}", &rest[j + 1..]),
        None => s.to_string(),
    }
}

impl std::fmt::Display for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}://{}:{}",
            if self.implicit_tls { "smtps" } else { "smtp" },
            self.host,
            self.port
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_url_that_fails_to_parse_never_shows_its_password() {
        for bad in [
            "smtp://user:hunter2@exa mple.org:25",
            "smtp://user:hunter2@mail.example.org:99999",
            "user:hunter2@mail.example.org:25",
            "ftp://user:hunter2@mail.example.org",
            "smtp://user:hunter2@mail.example.org",
        ] {
            let e = Relay::parse(bad).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{bad}: {e}");
        }
        assert_eq!(
            redact_userinfo("smtp://u:p@w@host:25"),
            "smtp://***@host:25"
        );
    }

    #[test]
    fn relay_urls_are_parsed_with_default_ports() {
        let r = Relay::parse("smtps://mail.example.org").unwrap();
        assert_eq!((r.port, r.implicit_tls), (465, true));
        let r = Relay::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (r.port, r.implicit_tls, r.is_loopback()),
            (2525, false, true)
        );
        assert!(
            !Relay::parse("smtp://mail.example.org")
                .unwrap()
                .is_loopback()
        );
        assert!(
            Relay::parse("http://x")
                .unwrap_err()
                .to_string()
                .contains("not supported")
        );
        assert!(
            Relay::parse("smtp://u:p@x")
                .unwrap_err()
                .to_string()
                .contains("PRESSROOM_SMTP_USER")
        );
    }
}
