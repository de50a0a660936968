//! Long texts read back from pressroom's own binary files (the build's
//! cache of parsed releases): checked as UTF-8 with `simdutf8`, several
//! times faster than the standard library on Finnish and Swedish text,
//! where most 16-byte blocks hold an `ä` or `ö` and its ASCII shortcut
//! does not apply. Written as strings are, so the bytes on disk are the
//! same.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// `#[serde(deserialize_with = "crate::text::string")]`: a `String` read
/// as bytes and checked as UTF-8 (a string given as a string is taken as
/// it is).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_bytes(Text)
}

struct Text;

impl<'de> Visitor<'de> for Text {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<String, E> {
        match simdutf8::basic::from_utf8(v) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<String, E> {
        String::from_utf8(v)
            .map_err(|e| E::invalid_value(de::Unexpected::Bytes(e.as_bytes()), &self))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Plain {
        text: String,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Checked {
        #[serde(deserialize_with = "super::string")]
        text: String,
    }

    #[test]
    fn a_string_reads_back_the_same_and_bytes_that_are_not_utf8_are_refused() {
        for text in [
            "",
            "Järvi ja metsä – åäö",
            "🙂 e\u{301}",
            &"ä".repeat(10_000),
        ] {
            let bytes = postcard::to_allocvec(&Plain { text: text.into() }).unwrap();
            let back: Checked = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back.text, text);
            // The same bytes on disk as a plain String's.
            assert_eq!(postcard::to_allocvec(&back).unwrap(), bytes);
        }
        // A length of 2 and bytes that are no UTF-8 (a lone continuation
        // byte, an overlong encoding).
        for bad in [[2u8, 0x80, b'a'], [2, 0xC0, 0xAF]] {
            assert!(postcard::from_bytes::<Checked>(&bad).is_err());
            assert!(postcard::from_bytes::<Plain>(&bad).is_err());
        }
        // Given as a string (JSON), taken as it is.
        let back: Checked = serde_json::from_str(r#"{"text":"Järvi\n\u00e4"}"#).unwrap();
        assert_eq!(back.text, "Järvi\nä");
    }
}
