//! Posted forms as typed structs: a handler names the fields it takes in
//! a `#[derive(Deserialize)]` struct and gets them, or a 400. A field may
//! repeat (`lists=a&lists=b` into a `Vec`), which is why the forms are read
//! by `serde_html_form` rather than axum's own `Form`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A posted form (`application/x-www-form-urlencoded`) read into `T`.
#[derive(Debug)]
pub struct Form<T>(pub T);

/// Why a request's body is not the form a handler takes.
#[derive(Debug)]
pub enum FormRejection {
    /// The body could not be read (too large: 413).
    Body(BytesRejection),
    /// The body is not a form of these fields.
    Fields(serde_html_form::de::Error),
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = FormRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(FormRejection::Body)?;
        serde_html_form::from_bytes(&bytes)
            .map(Form)
            .map_err(FormRejection::Fields)
    }
}

/// Without a page of its own: the body's status (413 for one too large),
/// or a 400 that says which field.
impl IntoResponse for FormRejection {
    fn into_response(self) -> Response {
        match self {
            FormRejection::Body(e) => e.into_response(),
            FormRejection::Fields(e) => (
                StatusCode::BAD_REQUEST,
                format!("the form cannot be read: {e}"),
            )
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    struct Fields {
        #[serde(default)]
        email: String,
        #[serde(default)]
        lists: Vec<String>,
    }

    #[test]
    fn a_repeated_field_is_a_list_and_missing_ones_take_their_default() {
        let f: Fields = serde_html_form::from_bytes(b"lists=a&email=x%40y.org&lists=b").unwrap();
        assert_eq!(f.email, "x@y.org");
        assert_eq!(f.lists, ["a", "b"]);
        let f: Fields = serde_html_form::from_bytes(b"").unwrap();
        assert_eq!(f, Fields::default());
    }

    #[test]
    fn a_single_field_given_twice_is_refused() {
        assert!(serde_html_form::from_bytes::<Fields>(b"email=a&email=b").is_err());
    }
}
