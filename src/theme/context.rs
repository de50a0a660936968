//! How a template's context looks from the engine: what serde writes of
//! the askama context structs, plus the few Rust methods the built-ins call.

use minijinja::{Error, ErrorKind, State, Value};
use serde::{Serialize, Serializer};

/// An optional value of a template context.
pub trait Optional {
    type Item: Serialize;
    fn items(&self) -> &[Self::Item];
}

impl<T: Serialize> Optional for Option<T> {
    type Item = T;
    fn items(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Serialize> Optional for &Option<T> {
    type Item = T;
    fn items(&self) -> &[T] {
        self.as_slice()
    }
}

/// Serialises an optional value as a list of zero or one item
/// (`#[serde(serialize_with = "optional")]`): askama's `{% for x in opt %}`
/// then means the same in both engines.
/// A compact format (the build's cache) gets the option as it is.
pub fn optional<O: Optional + Serialize, S: Serializer>(
    value: &O,
    s: S,
) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        value.items().serialize(s)
    } else {
        value.serialize(s)
    }
}

/// `is_empty()`, `len()`, `is_some()` and `is_none()` on lists, maps and
/// text, as the Rust values behind them answer in askama.
pub fn rust_methods(
    _: &State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if !args.is_empty() {
        return Err(Error::new(
            ErrorKind::UnknownMethod,
            format!("{method}() takes no arguments here"),
        ));
    }
    let len = || {
        value.len().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{method}() needs a list, a map or text, not {}",
                    value.kind()
                ),
            )
        })
    };
    match method {
        "len" => Ok(Value::from(len()?)),
        "is_empty" => Ok(Value::from(len()? == 0)),
        "is_some" => Ok(Value::from(len()? > 0)),
        "is_none" => Ok(Value::from(len()? == 0)),
        _ => Err(Error::new(
            ErrorKind::UnknownMethod,
            format!("{value:?} has no method {method}()"),
        )),
    }
}
