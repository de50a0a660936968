//! Signing in with the organisation's account: OpenID Connect's
//! authorization code flow with PKCE (`[desk.oidc]`).
//!
//! [`Oidc::begin`] keeps a new `state`, PKCE verifier and nonce (the state
//! only as its hash) and gives the provider's address to send the browser
//! to; the browser also gets the state in a cookie, so that a callback
//! from a flow another browser began is refused. [`Oidc::finish`] takes
//! the flow back once (a replayed callback finds nothing), exchanges the
//! code at the token endpoint with `client_secret_basic` and the verifier,
//! and accepts the ID token only with a valid signature (the provider's
//! published keys), its `iss`, `aud` (this client), `exp` and the nonce.
//! The person it names signs in only if an admin added their address
//! first (the role is pressroom's, never the provider's), or when
//! `allow_domain` admits their domain, as a writer.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};

use super::audit::{self, Action, Actor};
use super::sign_in::{self, Method, Session};
use super::token_hash;
use crate::config::{Claim, DeskConfig, OidcConfig};
use crate::db::{Db, OidcFlow, Role};
use crate::subscribers::EmailAddress;

/// How long a sign-in begun at the provider may take.
pub const FLOW_LIFETIME: i64 = 10 * 60;
/// Sign-ins begun and not finished that are kept at most (anyone may begin
/// one): more are refused until the oldest expire.
const FLOWS_WAITING: u64 = 10_000;
/// How long the provider's discovery document and keys are kept.
const METADATA_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The largest answer read from the provider.
const MAX_RESPONSE: u64 = 1 << 20;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why signing in with the organisation's account did not work. The
/// message is for the audit trail and the log; the person sees a plain
/// sentence (see `http::desk`).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider cannot be reached or answers nonsense.
    #[error("the OpenID provider cannot be reached: {0}")]
    Provider(String),
    /// Too many sign-ins begun and not finished.
    #[error("too many sign-ins are waiting at the provider")]
    Busy,
    /// The callback's state is unknown, used, expired or not this
    /// browser's.
    #[error("the sign-in's state is unknown, used, expired or another browser's")]
    State,
    /// The provider said no (the person cancelled, say).
    #[error("the provider refused: {0}")]
    Refused(String),
    /// The code could not be exchanged (a replayed or foreign code).
    #[error("the code was not accepted at the token endpoint: {0}")]
    Exchange(String),
    /// The ID token is missing or fails a check.
    #[error("the ID token was refused: {0}")]
    Token(String),
    /// The token names no usable address.
    #[error("the ID token has no usable address in its '{0}' claim")]
    NoAddress(&'static str),
    /// The provider says the address is not verified.
    #[error("the provider says the address is not verified")]
    Unverified,
    /// No account has the address and its domain is not admitted.
    #[error("no account has this address")]
    Unknown,
    /// The account is disabled.
    #[error("the account is disabled")]
    Disabled,
    /// The database, or something else on this side, failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<crate::db::Error> for OidcError {
    fn from(e: crate::db::Error) -> Self {
        OidcError::Other(e.into())
    }
}

/// A sign-in begun: where to send the browser, and the state its cookie
/// keeps.
#[derive(Debug)]
pub struct Begun {
    pub url: url::Url,
    pub state: String,
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    /// RFC 9207: the issuer that answers, when the provider says.
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// The desk's OpenID client.
pub struct Oidc {
    config: OidcConfig,
    issuer: IssuerUrl,
    secret: ClientSecret,
    redirect: RedirectUrl,
    agent: ureq::Agent,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.config.issuer.as_str())
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

impl Oidc {
    /// The client for `[desk.oidc]`, or `None` without one. Fails when the
    /// secret (`PRESSROOM_OIDC_SECRET`) or the desk's address is missing.
    pub fn new(desk: &DeskConfig) -> anyhow::Result<Option<Self>> {
        let Some(config) = desk.oidc.clone() else {
            return Ok(None);
        };
        let Some(secret) = config.secret.clone().filter(|s| !s.is_empty()) else {
            anyhow::bail!(
                "[desk.oidc] needs the client secret: set PRESSROOM_OIDC_SECRET to the secret the provider gave for client '{}'",
                config.client_id
            );
        };
        let redirect = desk.oidc_redirect().map_err(anyhow::Error::msg)?;
        // The issuer exactly as configured: `iss` must match it to the byte.
        let issuer = config.issuer.as_str();
        let issuer = if config.issuer.path() == "/" {
            issuer.trim_end_matches('/')
        } else {
            issuer
        };
        let agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(15)))
            .user_agent(concat!("pressroom/", env!("CARGO_PKG_VERSION")))
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                        rustls::crypto::aws_lc_rs::default_provider(),
                    ))
                    .build(),
            )
            .build()
            .new_agent();
        Ok(Some(Self {
            issuer: IssuerUrl::new(issuer.to_string())?,
            secret: ClientSecret::new(secret),
            redirect: RedirectUrl::from_url(redirect),
            agent,
            metadata: Mutex::new(None),
            config,
        }))
    }

    /// What the sign-in button says, when `label` names the provider.
    pub fn label(&self) -> Option<&str> {
        self.config.label.as_deref()
    }

    /// One HTTP exchange with the provider: no redirects followed, at most
    /// [`MAX_RESPONSE`] bytes read.
    fn http(
        &self,
        req: openidconnect::HttpRequest,
    ) -> Result<openidconnect::HttpResponse, std::io::Error> {
        let (parts, body) = req.into_parts();
        let res = self
            .agent
            .run(http::Request::from_parts(parts, &body[..]))
            .map_err(std::io::Error::other)?;
        let (parts, mut body) = res.into_parts();
        let bytes = body
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_vec()
            .map_err(std::io::Error::other)?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    /// The provider's discovery document and keys, fetched again when
    /// older than [`METADATA_LIFETIME`] or when `fresh`.
    fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, OidcError> {
        if !fresh
            && let Some((m, at)) = self.metadata.lock().expect("not poisoned").as_ref()
            && at.elapsed() < METADATA_LIFETIME
        {
            return Ok(m.clone());
        }
        let client = |r| self.http(r);
        let m = CoreProviderMetadata::discover(&self.issuer, &client)
            .map_err(|e| OidcError::Provider(error_chain(&e)))?;
        *self.metadata.lock().expect("not poisoned") = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    fn client(&self, metadata: CoreProviderMetadata) -> Client {
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(self.secret.clone()),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// Begins a sign-in: a new state, PKCE verifier and nonce, kept for
    /// [`FLOW_LIFETIME`], and the provider's authorization address.
    pub fn begin(&self, db: &Db, now: DateTime<Utc>) -> Result<Begun, OidcError> {
        let client = self.client(self.metadata(false)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let now_s = now.timestamp();
        let kept = db.desk().add_oidc_flow(
            &token_hash(state.secret()),
            &OidcFlow {
                verifier: verifier.secret().clone(),
                nonce: nonce.secret().clone(),
                created_at: now_s,
            },
            now_s - FLOW_LIFETIME,
            FLOWS_WAITING,
        )?;
        if !kept {
            return Err(OidcError::Busy);
        }
        Ok(Begun {
            url,
            state: state.secret().clone(),
        })
    }

    /// Finishes a sign-in from the provider's callback, `cookie` being the
    /// state this browser was given at the start. Every outcome is audited.
    pub fn finish(
        &self,
        db: &Db,
        cookie: Option<&str>,
        callback: &Callback,
        ip: &str,
        now: DateTime<Utc>,
    ) -> Result<Session, OidcError> {
        let outcome = self.check(db, cookie, callback, now);
        let (user, detail) = match outcome {
            Ok(found) => found,
            Err((e, who)) => {
                let actor = Actor {
                    email: who,
                    ip: Some(ip.to_string()),
                };
                let why = format!("organisation's account: {e}");
                audit::record(db, &actor, Action::SignInFailed, None, Some(&why))?;
                return Err(e);
            }
        };
        Ok(sign_in::open_session(
            db,
            user,
            Method::Oidc,
            ip,
            now,
            Some(detail),
        )?)
    }

    /// The account the callback proves, or why not (with the address of
    /// an account it named, for the audit trail).
    fn check(
        &self,
        db: &Db,
        cookie: Option<&str>,
        callback: &Callback,
        now: DateTime<Utc>,
    ) -> Result<(crate::db::User, &'static str), (OidcError, Option<String>)> {
        let plain = |e| (e, None);
        let state = token_hash(callback.state.as_deref().unwrap_or(""));
        // The flow is taken (and so used up) before anything else is
        // looked at: a callback is good once. The cookie is compared by
        // its hash (a digest leaks nothing of the state by its timing).
        let flow = db
            .desk()
            .take_oidc_flow(&state)
            .map_err(|e| plain(e.into()))?;
        let same_browser = cookie.is_some_and(|c| token_hash(c) == state);
        let Some(flow) =
            flow.filter(|f| same_browser && now.timestamp() - f.created_at <= FLOW_LIFETIME)
        else {
            return Err(plain(OidcError::State));
        };
        if let Some(error) = &callback.error {
            let text = match &callback.error_description {
                Some(d) => format!("{error}: {d}"),
                None => error.clone(),
            };
            return Err(plain(OidcError::Refused(text.chars().take(200).collect())));
        }
        if let Some(iss) = &callback.iss
            && iss.as_str() != self.issuer.as_str()
        {
            return Err(plain(OidcError::Refused(
                "the answer names another issuer".into(),
            )));
        }
        let code = callback
            .code
            .clone()
            .ok_or_else(|| plain(OidcError::Refused("no code".into())))?;
        let named = self.exchange(&code, &flow).map_err(plain)?;
        admit(db, &self.config, &named).map_err(|e| {
            let who = matches!(e, OidcError::Disabled).then(|| named.0.to_string());
            (e, who)
        })
    }

    /// Exchanges `code` and checks the ID token: the address it names.
    fn exchange(&self, code: &str, flow: &OidcFlow) -> Result<(EmailAddress, String), OidcError> {
        let client = self.client(self.metadata(false)?);
        let http = |r| self.http(r);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request(&http)
            .map_err(|e| OidcError::Exchange(error_chain(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::Token("the answer has no ID token".into()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(c) => c.clone(),
            // The provider may have turned to a new key: fetch its keys
            // again, once.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let client = self.client(self.metadata(true)?);
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| OidcError::Token(e.to_string()))?
                    .clone()
            }
            Err(e) => return Err(OidcError::Token(e.to_string())),
        };
        let mut named = Named {
            email: claims.email().map(|e| e.as_str().to_string()),
            verified: claims.email_verified(),
            username: claims.preferred_username().map(|u| u.as_str().to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
        };
        // A provider may keep the profile out of the ID token (as the
        // specification allows when an access token is issued): then it is
        // asked at its user info endpoint, for the same subject.
        if named.claim(self.config.claim).is_none() {
            let info: openidconnect::core::CoreUserInfoClaims = client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| OidcError::Token(e.to_string()))?
                .request(&http)
                .map_err(|e| OidcError::Token(format!("user info: {}", error_chain(&e))))?;
            named = Named {
                email: info.email().map(|e| e.as_str().to_string()),
                verified: info.email_verified(),
                username: info.preferred_username().map(|u| u.as_str().to_string()),
                name: info
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_string()),
            };
        }
        if named.verified == Some(false) && self.config.claim == Claim::Email {
            return Err(OidcError::Unverified);
        }
        let email = named
            .claim(self.config.claim)
            .and_then(|v| EmailAddress::parse(v).ok())
            .ok_or(OidcError::NoAddress(match self.config.claim {
                Claim::Email => "email",
                Claim::PreferredUsername => "preferred_username",
            }))?;
        Ok((email, named.name.unwrap_or_default()))
    }
}

/// What the provider says of the person.
struct Named {
    email: Option<String>,
    verified: Option<bool>,
    username: Option<String>,
    name: Option<String>,
}

impl Named {
    fn claim(&self, claim: Claim) -> Option<&str> {
        match claim {
            Claim::Email => self.email.as_deref(),
            Claim::PreferredUsername => self.username.as_deref(),
        }
    }
}

/// The account `email` opens: an admin's addition, or (in the admitted
/// domain) a new writer's.
fn admit(
    db: &Db,
    config: &OidcConfig,
    (email, name): &(EmailAddress, String),
) -> Result<(crate::db::User, &'static str), OidcError> {
    if let Some(user) = db.desk().user_by_email(email)? {
        if user.disabled {
            return Err(OidcError::Disabled);
        }
        return Ok((user, "with the organisation's account"));
    }
    let domain_ok = config.allow_domain.as_deref().is_some_and(|d| {
        email
            .as_str()
            .rsplit_once('@')
            .is_some_and(|(_, dom)| dom.eq_ignore_ascii_case(d))
    });
    if !domain_ok {
        return Err(OidcError::Unknown);
    }
    let name = crate::subscribers::clean_name(name)
        .or_else(|| crate::subscribers::clean_name(email.as_str()))
        .unwrap_or_else(|| email.to_string());
    let Some(user) = db.desk().add_user(email, &name, Role::Writer)? else {
        return Err(OidcError::Unknown);
    };
    audit::record(
        db,
        &Actor::system("oidc"),
        Action::UserAdded,
        Some(email.as_str()),
        Some("writer, admitted by [desk.oidc] allow_domain"),
    )?;
    Ok((
        user,
        "with the organisation's account (a new writer, by its domain)",
    ))
}

/// An error and its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
