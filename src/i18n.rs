//! Interface text and localised dates in Finnish, Swedish and English.
//!
//! Month names come from the glibc locale data shipped with chrono
//! (`unstable-locales`), never from hand-typed month tables. Languages without
//! a translation here fall back to English text.

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Tz;

use crate::lang::Lang;

/// Every piece of interface text in one language.
#[derive(Debug)]
pub struct Strings {
    /// The language's name in itself, for language switchers.
    pub language_name: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub languages: &'static str,
    pub releases: &'static str,
    pub all_releases: &'static str,
    pub published: &'static str,
    pub updated: &'static str,
    pub at_time: &'static str,
    pub contacts: &'static str,
    pub attachments: &'static str,
    pub keywords: &'static str,
    pub all_keywords: &'static str,
    pub releases_tagged: &'static str,
    pub about: &'static str,
    pub subscribe_heading: &'static str,
    pub subscribe_text: &'static str,
    pub subscribe_link: &'static str,
    pub other_languages: &'static str,
    pub pagination: &'static str,
    pub page: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub feed: &'static str,
    pub no_releases: &'static str,
    pub view_in_browser: &'static str,
    pub unsubscribe: &'static str,
    pub email_reason: &'static str,
    pub choose_language: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub size_units: [&'static str; 3],
    pub decimal_separator: char,
}

const FI: Strings = Strings {
    language_name: "Suomi",
    skip_to_content: "Siirry sisältöön",
    main_navigation: "Päävalikko",
    languages: "Kieliversiot",
    releases: "Tiedotteet",
    all_releases: "Kaikki tiedotteet",
    published: "Julkaistu",
    updated: "Päivitetty",
    at_time: "klo",
    contacts: "Lisätietoja",
    attachments: "Liitteet",
    keywords: "Avainsanat",
    all_keywords: "Kaikki avainsanat",
    releases_tagged: "Tiedotteet avainsanalla",
    about: "Tietoa meistä",
    subscribe_heading: "Tilaa tiedotteet sähköpostiisi",
    subscribe_text: "Tarvitset vain sähköpostiosoitteen. Voit perua tilauksen milloin tahansa.",
    subscribe_link: "Tilaa tiedotteet",
    other_languages: "Tämä tiedote muilla kielillä",
    pagination: "Sivutus",
    page: "Sivu",
    previous: "Uudemmat",
    next: "Vanhemmat",
    feed: "RSS-syöte",
    no_releases: "Ei julkaistuja tiedotteita.",
    view_in_browser: "Avaa selaimessa",
    unsubscribe: "Peru tilaus",
    email_reason: "Saat tämän viestin, koska olet tilannut tiedotteemme.",
    choose_language: "Valitse kieli",
    phone: "puh.",
    email: "sähköposti",
    not_found: "Sivua ei löytynyt",
    not_found_text: "Hakemaasi sivua ei ole. Katso kaikki tiedotteet etusivulta.",
    size_units: ["t", "kt", "Mt"],
    decimal_separator: ',',
};

const SV: Strings = Strings {
    language_name: "Svenska",
    skip_to_content: "Hoppa till innehållet",
    main_navigation: "Huvudmeny",
    languages: "Språkversioner",
    releases: "Pressmeddelanden",
    all_releases: "Alla pressmeddelanden",
    published: "Publicerad",
    updated: "Uppdaterad",
    at_time: "kl.",
    contacts: "Kontakt",
    attachments: "Bilagor",
    keywords: "Nyckelord",
    all_keywords: "Alla nyckelord",
    releases_tagged: "Pressmeddelanden med nyckelordet",
    about: "Om oss",
    subscribe_heading: "Prenumerera på våra pressmeddelanden",
    subscribe_text: "Du behöver bara din e-postadress. Du kan avsluta prenumerationen när du vill.",
    subscribe_link: "Prenumerera",
    other_languages: "Det här pressmeddelandet på andra språk",
    pagination: "Sidnumrering",
    page: "Sida",
    previous: "Nyare",
    next: "Äldre",
    feed: "RSS-flöde",
    no_releases: "Inga publicerade pressmeddelanden.",
    view_in_browser: "Visa i webbläsaren",
    unsubscribe: "Avsluta prenumerationen",
    email_reason: "Du får detta meddelande eftersom du prenumererar på våra pressmeddelanden.",
    choose_language: "Välj språk",
    phone: "tfn",
    email: "e-post",
    not_found: "Sidan hittades inte",
    not_found_text: "Sidan du söker finns inte. Alla pressmeddelanden finns på startsidan.",
    size_units: ["B", "kB", "MB"],
    decimal_separator: ',',
};

const EN: Strings = Strings {
    language_name: "English",
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    languages: "Language versions",
    releases: "Press releases",
    all_releases: "All press releases",
    published: "Published",
    updated: "Updated",
    at_time: "at",
    contacts: "Further information",
    attachments: "Attachments",
    keywords: "Keywords",
    all_keywords: "All keywords",
    releases_tagged: "Press releases tagged",
    about: "About us",
    subscribe_heading: "Get our press releases by email",
    subscribe_text: "Only your email address is needed. You can unsubscribe at any time.",
    subscribe_link: "Subscribe",
    other_languages: "This release in other languages",
    pagination: "Pagination",
    page: "Page",
    previous: "Newer",
    next: "Older",
    feed: "RSS feed",
    no_releases: "No published releases.",
    view_in_browser: "View in your browser",
    unsubscribe: "Unsubscribe",
    email_reason: "You receive this message because you subscribed to our press releases.",
    choose_language: "Choose a language",
    phone: "tel.",
    email: "email",
    not_found: "Page not found",
    not_found_text: "The page you are looking for does not exist. All releases are on the front page.",
    size_units: ["B", "KB", "MB"],
    decimal_separator: '.',
};

/// The interface text for `lang` (English for languages without a translation).
pub fn strings(lang: &Lang) -> &'static Strings {
    match lang.as_str() {
        "fi" => &FI,
        "sv" => &SV,
        _ => &EN,
    }
}

fn locale(lang: &Lang) -> Locale {
    match lang.as_str() {
        "fi" => Locale::fi_FI,
        "sv" => Locale::sv_SE,
        "en" => Locale::en_GB,
        other => Locale::try_from(format!("{other}_{}", other.to_uppercase()).as_str())
            .unwrap_or(Locale::en_GB),
    }
}

/// The long date pattern. Finnish months take the partitive ending, as in the
/// fi_FI locale's own `d_t_fmt` ("%e. %Bta %Y").
fn date_pattern(lang: &Lang) -> &'static str {
    match lang.as_str() {
        "fi" => "%-d. %Bta %Y",
        _ => "%-d %B %Y",
    }
}

/// "26. lokakuuta 2023", "26 oktober 2023", "26 October 2023".
pub fn format_date(t: &DateTime<Utc>, lang: &Lang, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format_localized(date_pattern(lang), locale(lang))
        .to_string()
}

/// "26. lokakuuta 2023 klo 10.00", "26 oktober 2023 kl. 10.00", "26 October 2023 at 10:00".
pub fn format_date_time(t: &DateTime<Utc>, lang: &Lang, tz: Tz) -> String {
    let time = match lang.as_str() {
        "fi" | "sv" => "%H.%M",
        _ => "%H:%M",
    };
    let local = t.with_timezone(&tz);
    format!(
        "{} {} {}",
        local.format_localized(date_pattern(lang), locale(lang)),
        strings(lang).at_time,
        local.format(time)
    )
}

/// A file size such as "1,2 Mt" or "245 KB".
pub fn format_size(bytes: u64, lang: &Lang) -> String {
    let s = strings(lang);
    let (value, unit) = if bytes < 1000 {
        return format!("{bytes} {}", s.size_units[0]);
    } else if bytes < 1_000_000 {
        (bytes as f64 / 1000.0, s.size_units[1])
    } else {
        (bytes as f64 / 1_000_000.0, s.size_units[2])
    };
    let number = if value < 10.0 {
        format!("{value:.1}").replace('.', &s.decimal_separator.to_string())
    } else {
        format!("{value:.0}")
    };
    format!("{number} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn lang(s: &str) -> Lang {
        Lang::parse(s).unwrap()
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let t = Utc.with_ymd_and_hms(2023, 10, 26, 7, 0, 0).unwrap();
        let tz = chrono_tz::Europe::Helsinki;
        assert_eq!(format_date(&t, &lang("fi"), tz), "26. lokakuuta 2023");
        assert_eq!(format_date(&t, &lang("sv"), tz), "26 oktober 2023");
        assert_eq!(format_date(&t, &lang("en"), tz), "26 October 2023");
        assert_eq!(
            format_date_time(&t, &lang("fi"), tz),
            "26. lokakuuta 2023 klo 10.00"
        );
    }

    #[test]
    fn sizes_use_the_language_decimal_separator() {
        assert_eq!(format_size(1_234_567, &lang("fi")), "1,2 Mt");
        assert_eq!(format_size(1_234_567, &lang("en")), "1.2 MB");
        assert_eq!(format_size(245_000, &lang("sv")), "245 kB");
        assert_eq!(format_size(12, &lang("en")), "12 B");
    }
}
