//! Fetching bounces from an IMAP mailbox (`[bounces] imap`): every message
//! in the folder is read, acted on and **moved** (UID MOVE) to the
//! processed or unrecognised folder; nothing is ever deleted. The `imap`
//! crate speaks the protocol; TLS is rustls, with the system's roots and an
//! optional extra CA, as for SMTP relays.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use imap::extensions::idle::SetReadTimeout;
use rustls::pki_types::ServerName;

use super::ingest::{Ingested, Reader};
use super::parse::MAX_MESSAGE_BYTES;
use crate::db::Db;

/// `imaps://host[:port]/FOLDER` or `imap://host[:port]/FOLDER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxUrl {
    pub host: String,
    pub port: u16,
    /// `imaps://`: TLS from the first byte; `imap://`: STARTTLS (required
    /// unless the server is on loopback).
    pub implicit_tls: bool,
    pub folder: String,
}

/// What can go wrong talking to the mailbox.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error(
        "[bounces] imap '{0}' is not a mailbox URL: write it like imaps://mail.example.org/INBOX"
    )]
    Url(String),
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("TLS with {0} failed: {1}")]
    Tls(String, String),
    #[error(
        "{0} does not offer STARTTLS; pressroom logs in without TLS only on this machine (use imaps://)"
    )]
    NoStartTls(String),
    #[error("set PRESSROOM_IMAP_USER and PRESSROOM_IMAP_PASSWORD for {0}")]
    NoCredentials(String),
    #[error("{0} refused the login (PRESSROOM_IMAP_USER): {1}")]
    Login(String, Box<imap::Error>),
    #[error("{0}: {1}")]
    Imap(String, Box<imap::Error>),
    #[error(transparent)]
    Db(#[from] crate::db::Error),
}

impl MailboxUrl {
    pub fn parse(text: &str) -> Result<Self, ImapError> {
        let bad = || ImapError::Url(text.to_string());
        let url = url::Url::parse(text.trim()).map_err(|_| bad())?;
        let implicit_tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            _ => return Err(bad()),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad());
        }
        let host = url
            .host_str()
            .ok_or_else(bad)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let folder = url.path().trim_start_matches('/');
        let folder = percent_decode(folder);
        Ok(Self {
            port: url.port().unwrap_or(if implicit_tls { 993 } else { 143 }),
            host,
            implicit_tls,
            folder: if folder.is_empty() {
                "INBOX".into()
            } else {
                folder
            },
        })
    }

    fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for MailboxUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.implicit_tls { "imaps" } else { "imap" };
        write!(f, "{scheme}://{}:{}/{}", self.host, self.port, self.folder)
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A connection, with TLS or (loopback only) without.
enum Stream {
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    Plain(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tls(s) => s.read(buf),
            Stream::Plain(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Tls(s) => s.write(buf),
            Stream::Plain(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Tls(s) => s.flush(),
            Stream::Plain(s) => s.flush(),
        }
    }
}

impl SetReadTimeout for Stream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> imap::Result<()> {
        let tcp = match self {
            Stream::Tls(s) => s.get_ref(),
            Stream::Plain(s) => s,
        };
        tcp.set_read_timeout(timeout).map_err(imap::Error::Io)
    }
}

/// Reads the greeting and asks for STARTTLS (RFC 3501 6.2.1), by hand: the
/// `imap` crate runs commands only once logged in. True when the server
/// agreed; the TLS handshake comes next.
fn starttls(tcp: &mut TcpStream) -> std::io::Result<bool> {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(tcp.try_clone()?).take(64 * 1024);
    let mut line = String::new();
    lines.read_line(&mut line)?;
    if !line.starts_with("* OK") {
        return Ok(false);
    }
    tcp.write_all(b"p0 STARTTLS\r\n")?;
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if let Some(status) = line.strip_prefix("p0 ") {
            return Ok(status.starts_with("OK"));
        }
    }
}

/// How to reach the mailbox.
pub struct Mailbox {
    pub url: MailboxUrl,
    pub user: String,
    pub password: String,
    /// An extra trusted CA (PEM), beside the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    pub timeout: Duration,
    pub processed: String,
    pub unrecognised: String,
}

/// What a fetch did: one outcome per message, in UID order.
pub type Fetched = Vec<(String, Ingested)>;

impl Mailbox {
    /// The credentials from `PRESSROOM_IMAP_USER` and `PRESSROOM_IMAP_PASSWORD`.
    pub fn credentials_from_env(url: &MailboxUrl) -> Result<(String, String), ImapError> {
        match (
            std::env::var("PRESSROOM_IMAP_USER"),
            std::env::var("PRESSROOM_IMAP_PASSWORD"),
        ) {
            (Ok(u), Ok(p)) if !u.is_empty() => Ok((u, p)),
            _ => Err(ImapError::NoCredentials(url.to_string())),
        }
    }

    fn tls(&self, tcp: TcpStream) -> Result<Stream, ImapError> {
        let shown = self.url.to_string();
        let fail = |e: String| ImapError::Tls(shown.clone(), e);
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(pem) = &self.ca_pem {
            use rustls::pki_types::pem::PemObject;
            for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
                roots
                    .add(cert.map_err(|e| fail(format!("the CA file: {e}")))?)
                    .map_err(|e| fail(format!("the CA file: {e}")))?;
            }
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| fail(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from(self.url.host.clone()).map_err(|e| fail(e.to_string()))?;
        let conn = rustls::ClientConnection::new(Arc::new(config), name)
            .map_err(|e| fail(e.to_string()))?;
        let mut s = rustls::StreamOwned::new(conn, tcp);
        // Finish the handshake now, so that a bad certificate is this error.
        while s.conn.is_handshaking() {
            s.conn
                .complete_io(&mut s.sock)
                .map_err(|e| fail(e.to_string()))?;
        }
        Ok(Stream::Tls(Box::new(s)))
    }

    /// Connects and logs in, with TLS.
    fn session(&self) -> Result<imap::Session<Stream>, ImapError> {
        let shown = self.url.to_string();
        let addr = (self.url.host.as_str(), self.url.port);
        let tcp = TcpStream::connect(addr).map_err(|e| ImapError::Connect(shown.clone(), e))?;
        tcp.set_read_timeout(Some(self.timeout))
            .and_then(|()| tcp.set_write_timeout(Some(self.timeout)))
            .map_err(|e| ImapError::Connect(shown.clone(), e))?;
        let imap_err = |e| ImapError::Imap(shown.clone(), Box::new(e));
        let mut client = if self.url.implicit_tls {
            let mut c = imap::Client::new(self.tls(tcp)?);
            c.read_greeting().map_err(imap_err)?;
            c
        } else {
            let mut tcp = tcp;
            let upgraded = starttls(&mut tcp).map_err(|e| ImapError::Connect(shown.clone(), e))?;
            if upgraded {
                imap::Client::new(self.tls(tcp)?)
            } else if self.url.is_loopback() {
                imap::Client::new(Stream::Plain(tcp))
            } else {
                return Err(ImapError::NoStartTls(shown));
            }
        };
        let _ = client.capabilities();
        client
            .login(&self.user, &self.password)
            .map_err(|(e, _)| ImapError::Login(shown.clone(), Box::new(e)))
    }

    /// Reads every message in the folder, acts on it, and moves it.
    pub fn fetch(&self, reader: &Reader<'_>, db: &Db) -> Result<Fetched, ImapError> {
        let shown = self.url.to_string();
        let imap_err = |e| ImapError::Imap(shown.clone(), Box::new(e));
        let mut session = self.session()?;
        for folder in [&self.processed, &self.unrecognised] {
            // Made once; "already exists" is the usual answer after that.
            let _ = session.create(folder);
        }
        session.select(&self.url.folder).map_err(imap_err)?;
        let mut uids: Vec<u32> = session
            .uid_search("ALL")
            .map_err(imap_err)?
            .into_iter()
            .collect();
        uids.sort_unstable();
        let mut out = vec![];
        for uid in uids {
            let set = uid.to_string();
            let size = session
                .uid_fetch(&set, "RFC822.SIZE")
                .map_err(imap_err)?
                .iter()
                .find_map(|f| f.size)
                .unwrap_or(0) as usize;
            let outcome = if size > MAX_MESSAGE_BYTES {
                Ingested::Unrecognised("larger than a bounce can be".into())
            } else {
                let fetched = session.uid_fetch(&set, "BODY.PEEK[]").map_err(imap_err)?;
                let Some(raw) = fetched.iter().find_map(|f| f.body().map(<[u8]>::to_vec)) else {
                    continue;
                };
                reader.ingest(db, &raw)?
            };
            let target = match outcome {
                Ingested::Recorded { .. } => &self.processed,
                Ingested::Unrecognised(_) => &self.unrecognised,
            };
            session.uid_mv(&set, target).map_err(imap_err)?;
            out.push((format!("UID {uid}"), outcome));
        }
        let _ = session.logout();
        Ok(out)
    }

    /// Waits (IMAP IDLE) until the folder changes or `interval` passes.
    /// Returns at once when the folder holds messages: one that came after
    /// the last fetch and before this wait is not left for the next change.
    pub fn wait(&self, interval: Duration) -> Result<(), ImapError> {
        let shown = self.url.to_string();
        let imap_err = |e| ImapError::Imap(shown.clone(), Box::new(e));
        let mut session = self.session()?;
        let folder = session.select(&self.url.folder).map_err(imap_err)?;
        if folder.exists > 0 {
            let _ = session.logout();
            return Ok(());
        }
        session
            .idle()
            .timeout(interval)
            .wait_while(imap::extensions::idle::stop_on_any)
            .map_err(imap_err)?;
        let _ = session.logout();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailbox_urls_name_host_port_tls_and_folder() {
        let u = MailboxUrl::parse("imaps://mail.example.org/INBOX").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.implicit_tls, u.folder.as_str()),
            ("mail.example.org", 993, true, "INBOX")
        );
        let u = MailboxUrl::parse("imap://127.0.0.1:1143/Bounces%20fi").unwrap();
        assert_eq!(
            (u.port, u.implicit_tls, u.folder.as_str()),
            (1143, false, "Bounces fi")
        );
        assert_eq!(
            MailboxUrl::parse("imaps://h.example").unwrap().folder,
            "INBOX"
        );
        for bad in ["http://x/INBOX", "imaps://user:pw@x/INBOX", "nonsense"] {
            assert!(MailboxUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
