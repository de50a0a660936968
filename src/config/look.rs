//! The organisation's look in `[site]`: colours (checked against WCAG 2.1
//! AA contrast), a logo and footer links.

use serde::Deserialize;

use super::Localized;

/// WCAG 2.1 AA: normal text needs at least this contrast ratio.
pub const AA_CONTRAST: f64 = 4.5;

/// A colour written `#rrggbb` (or `#rgb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// A text that is not a colour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a colour: write it as #rrggbb")]
pub struct NotAColour(pub String);

/// Why `[site.colors]` is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ColorsError {
    #[error("site.colors.{field}: {error}")]
    NotAColour {
        field: &'static str,
        error: NotAColour,
    },
    #[error(
        "site.colors: text_on_primary {text} on primary {primary} has a contrast of {ratio:.2}:1; WCAG 2.1 AA needs {AA_CONTRAST}:1 for text. Darken one or lighten the other"
    )]
    TextContrast {
        text: String,
        primary: String,
        ratio: f64,
    },
    #[error(
        "site.colors: primary {primary} is also the colour of links on the white page, and has a contrast of {ratio:.2}:1 there; WCAG 2.1 AA needs {AA_CONTRAST}:1. Choose a darker primary colour"
    )]
    LinkContrast { primary: String, ratio: f64 },
}

impl Rgb {
    /// Parses `#rrggbb` or `#rgb`.
    pub fn parse(s: &str) -> Result<Self, NotAColour> {
        let not = || NotAColour(s.to_string());
        let hex = s.strip_prefix('#').ok_or_else(not)?;
        let digit =
            |i: usize, len: usize| u8::from_str_radix(&hex[i..i + len], 16).map_err(|_| not());
        match hex.len() {
            6 if hex.is_ascii() => Ok(Self(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
            3 if hex.is_ascii() => {
                let (r, g, b) = (digit(0, 1)?, digit(1, 1)?, digit(2, 1)?);
                Ok(Self(r * 17, g * 17, b * 17))
            }
            _ => Err(not()),
        }
    }

    /// The colour as CSS (`#0b4f8a`).
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2.1 relative luminance.
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG 2.1 contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Self) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// `[site.colors]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColors {
    /// The organisation's colour: the header, buttons and links.
    pub primary: String,
    /// Text on the primary colour (the header's title and the buttons).
    pub text_on_primary: String,
}

/// The organisation's colours, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colors {
    pub primary: Rgb,
    pub text_on_primary: Rgb,
}

/// The colours of an email, as CSS (`#0b4f8a`): the configured ones, or
/// pressroom's own.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EmailColors {
    pub primary: String,
    pub on_primary: String,
}

impl EmailColors {
    pub fn of(colors: Option<&Colors>) -> Self {
        match colors {
            Some(c) => Self {
                primary: c.primary.css(),
                on_primary: c.text_on_primary.css(),
            },
            None => Self {
                primary: "#0b4f8a".into(),
                on_primary: "#ffffff".into(),
            },
        }
    }
}

impl Colors {
    /// Checks the colours: each a colour, text on the primary colour and
    /// the primary colour as link text on the white page both at least
    /// [`AA_CONTRAST`].
    pub fn check(raw: &RawColors) -> Result<Self, ColorsError> {
        let colour = |field, text: &str| {
            Rgb::parse(text).map_err(|error| ColorsError::NotAColour { field, error })
        };
        let primary = colour("primary", &raw.primary)?;
        let text = colour("text_on_primary", &raw.text_on_primary)?;
        let on = text.contrast(primary);
        if on < AA_CONTRAST {
            return Err(ColorsError::TextContrast {
                text: text.css(),
                primary: primary.css(),
                ratio: on,
            });
        }
        let white = Rgb(255, 255, 255);
        let links = primary.contrast(white);
        if links < AA_CONTRAST {
            return Err(ColorsError::LinkContrast {
                primary: primary.css(),
                ratio: links,
            });
        }
        Ok(Self {
            primary,
            text_on_primary: text,
        })
    }

    /// CSS that puts the colours in place of the stylesheet's own.
    pub fn css(&self) -> String {
        format!(
            "\n/* [site.colors] in pressroom.toml */\n:root {{ --link: {p}; --accent: {p}; --on-accent: {t}; }}\n.site-header {{ background: {p}; color: {t}; border-bottom-color: {p}; }}\n.site-header a, .site-header .site-title, .site-header [aria-current] {{ color: {t}; }}\n",
            p = self.primary.css(),
            t = self.text_on_primary.css()
        )
    }
}

/// `[site.logo]`: shown in the header beside the site's title.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logo {
    /// A file under `releases/` (SVG or PNG), e.g. `assets/logo.svg`.
    pub src: String,
    /// What the logo says, per language (usually the organisation's name).
    pub alt: Localized,
}

/// One link of a language's footer (`[[site.footer_links.fi]]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FooterLink {
    pub title: String,
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_is_measured_as_wcag_does() {
        let black = Rgb(0, 0, 0);
        let white = Rgb(255, 255, 255);
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        // #767676 on white is the lightest grey that passes AA: 4.54:1.
        let grey = Rgb::parse("#767676").unwrap();
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
        assert_eq!(Rgb::parse("#fff").unwrap(), white);
        assert!(Rgb::parse("0b4f8a").is_err());
        assert!(Rgb::parse("#0b4f8g").is_err());
    }

    #[test]
    fn colours_that_fail_aa_are_refused_with_their_ratio() {
        let ok = RawColors {
            primary: "#0b4f8a".into(),
            text_on_primary: "#ffffff".into(),
        };
        assert!(Colors::check(&ok).is_ok());
        let pale = RawColors {
            primary: "#4da3ff".into(),
            text_on_primary: "#ffffff".into(),
        };
        let e = Colors::check(&pale).unwrap_err().to_string();
        assert!(e.contains(":1") && e.contains("4.5"), "{e}");
        let dark_on_dark = RawColors {
            primary: "#0b4f8a".into(),
            text_on_primary: "#1a1a1a".into(),
        };
        assert!(
            Colors::check(&dark_on_dark)
                .unwrap_err()
                .to_string()
                .contains("text_on_primary")
        );
    }
}
