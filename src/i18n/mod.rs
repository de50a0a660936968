//! Interface text and localised dates in Finnish, Swedish and English.
//!
//! Month names come from the glibc locale data shipped with chrono
//! (`unstable-locales`), never from hand-typed month tables. Languages without
//! a translation here fall back to English text.

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Tz;

mod desk;
mod diagnostics;
mod lang;

pub use desk::{DeskStrings, desk_lang, desk_strings};
pub use diagnostics::desk_diagnostic;
pub use lang::{InvalidLang, Lang};

/// Every piece of interface text in one language.
#[derive(Debug, serde::Serialize)]
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
    /// Before a test copy's subject: "[TESTI]", "[TEST]".
    pub test_subject: &'static str,
    /// The page left at a withdrawn release's address, before its date.
    pub withdrawn_note: &'static str,
    pub contacts: &'static str,
    pub attachments: &'static str,
    pub keywords: &'static str,
    pub all_keywords: &'static str,
    pub releases_tagged: &'static str,
    /// The heading of the "About" boilerplate, `{org}` standing for the
    /// organisation's name (see [`Strings::about_heading`]).
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
    /// The footer's reason on a staff-curated list (a CSV `source`): the
    /// reader did not subscribe.
    pub email_reason_curated: &'static str,
    /// The banner of a draft in a writer's preview.
    pub draft_banner: &'static str,
    /// The banner of an embargoed release in a writer's preview, before its time.
    pub embargo_banner: &'static str,
    pub choose_language: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub size_units: [&'static str; 3],
    /// The media contacts page's link and heading.
    pub contacts_page: &'static str,
    pub accessibility_statement: &'static str,
    pub privacy_notice: &'static str,
    /// The heading of a correction notice.
    pub correction: &'static str,
    /// Before the photographer's name ("Kuva: …").
    pub photo_credit: &'static str,
    /// The link to a picture's original file.
    pub download_original: &'static str,
    pub search: &'static str,
    pub search_label: &'static str,
    /// `{n}` stands for the number of releases found.
    pub search_found: &'static str,
    /// One release found.
    pub search_found_one: &'static str,
    pub search_none: &'static str,
    /// The button under search results that shows the next ones.
    pub search_more: &'static str,
    /// When the search index could not be fetched.
    pub search_failed: &'static str,
    pub archive: &'static str,
    pub archive_intro: &'static str,
    pub decimal_separator: char,
}

impl Strings {
    /// The heading of the "About" boilerplate of `org`.
    pub fn about_heading(&self, org: &str) -> String {
        self.about.replace("{org}", org)
    }
}

impl WebStrings {
    /// The question on the unsubscribe page, about `lists` (their names),
    /// each in the quotation marks that the pattern puts around `{list}`.
    pub fn unsubscribe_question_for(&self, lists: &[String]) -> String {
        let q = self.unsubscribe_question;
        let (before, after) = q.split_once("{list}").unwrap_or((q, ""));
        let open = before.chars().last().unwrap_or('"');
        let close = after.chars().next().unwrap_or('"');
        q.replace("{list}", &lists.join(&format!("{close}, {open}")))
    }
}

/// "In Swedish" said in `lang` ("ruotsiksi", "på svenska"), for a
/// release listed among another language's.
pub fn in_language(lang: &Lang, of: &Lang) -> &'static str {
    match (lang.as_str(), of.as_str()) {
        ("fi", "fi") => "suomeksi",
        ("fi", "sv") => "ruotsiksi",
        ("fi", "en") => "englanniksi",
        ("sv", "fi") => "på finska",
        ("sv", "sv") => "på svenska",
        ("sv", "en") => "på engelska",
        (_, "fi") => "in Finnish",
        (_, "sv") => "in Swedish",
        _ => "in English",
    }
}

/// The subject (and heading) of the confirmation email in `lang`: in
/// Finnish with the organisation's name in the genitive when the
/// configuration gives it ("Vahvista Kaislamaan liiton tiedotteiden
/// tilaus").
pub fn confirm_subject(genitive: Option<&str>, lang: &Lang) -> String {
    match (lang.as_str(), genitive) {
        ("fi", Some(g)) => format!("Vahvista {g} tiedotteiden tilaus"),
        _ => web_strings(lang).confirm_subject.to_string(),
    }
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
    test_subject: "[TESTI]",
    withdrawn_note: "Tämä tiedote on poistettu julkaisusta",
    contacts: "Lisätietoja",
    attachments: "Liitteet",
    keywords: "Avainsanat",
    all_keywords: "Kaikki avainsanat",
    releases_tagged: "Avainsana",
    about: "{org} lyhyesti",
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
    email_reason_curated: "Saat tämän viestin, koska olet tiedotteidemme jakelulistalla.",
    draft_banner: "Luonnos: ei julkaistu eikä lähetetty",
    embargo_banner: "Embargo: julkaistaan vasta",
    choose_language: "Valitse kieli",
    phone: "puh.",
    email: "sähköposti",
    not_found: "Sivua ei löytynyt",
    not_found_text: "Hakemaasi sivua ei löytynyt. Katso kaikki tiedotteet etusivulta.",
    size_units: ["tavua", "kt", "Mt"],
    contacts_page: "Mediayhteydet",
    accessibility_statement: "Saavutettavuusseloste",
    privacy_notice: "Tietosuojaseloste",
    correction: "Korjaus",
    photo_credit: "Kuva",
    download_original: "Lataa alkuperäinen kuva",
    search: "Haku",
    search_label: "Hae tiedotteista",
    search_found: "Löytyi {n} tiedotetta.",
    search_found_one: "Löytyi yksi tiedote.",
    search_none: "Hakusanoilla ei löytynyt tiedotteita.",
    search_more: "Näytä lisää tuloksia",
    search_failed: "Haku ei nyt toimi. Yritä hetken päästä uudelleen tai selaa arkistoa.",
    archive: "Arkisto",
    archive_intro: "Selaa tiedotteita vuosittain:",
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
    test_subject: "[TEST]",
    withdrawn_note: "Det här pressmeddelandet har dragits tillbaka",
    contacts: "Mer information",
    attachments: "Bilagor",
    keywords: "Nyckelord",
    all_keywords: "Alla nyckelord",
    releases_tagged: "Nyckelord",
    about: "Kort om {org}",
    subscribe_heading: "Prenumerera på våra pressmeddelanden",
    subscribe_text: "Du behöver bara din e-postadress. Du kan avsluta prenumerationen när du vill.",
    subscribe_link: "Prenumerera",
    other_languages: "Det här pressmeddelandet på andra språk",
    pagination: "Sidnavigering",
    page: "Sida",
    previous: "Nyare",
    next: "Äldre",
    feed: "RSS-flöde",
    no_releases: "Inga publicerade pressmeddelanden.",
    view_in_browser: "Visa i webbläsaren",
    unsubscribe: "Avsluta prenumerationen",
    email_reason: "Du får detta meddelande eftersom du prenumererar på våra pressmeddelanden.",
    email_reason_curated: "Du får detta meddelande eftersom du finns på sändlistan för våra pressmeddelanden.",
    draft_banner: "Utkast: inte publicerat eller skickat",
    embargo_banner: "Embargo: publiceras först",
    choose_language: "Välj språk",
    phone: "tfn",
    email: "e-post",
    not_found: "Sidan hittades inte",
    not_found_text: "Sidan du söker finns inte. Alla pressmeddelanden finns på startsidan.",
    size_units: ["B", "kB", "MB"],
    contacts_page: "Mediakontakter",
    accessibility_statement: "Tillgänglighetsutlåtande",
    privacy_notice: "Dataskyddsbeskrivning",
    correction: "Rättelse",
    photo_credit: "Foto",
    download_original: "Ladda ner originalbilden",
    search: "Sök",
    search_label: "Sök bland pressmeddelandena",
    search_found: "{n} pressmeddelanden hittades.",
    search_found_one: "Ett pressmeddelande hittades.",
    search_none: "Inga pressmeddelanden hittades.",
    search_more: "Visa fler träffar",
    search_failed: "Sökningen fungerar inte just nu. Försök igen om en stund eller bläddra i arkivet.",
    archive: "Arkiv",
    archive_intro: "Bläddra bland pressmeddelandena per år:",
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
    test_subject: "[TEST]",
    withdrawn_note: "This release was withdrawn",
    contacts: "Further information",
    attachments: "Attachments",
    keywords: "Keywords",
    all_keywords: "All keywords",
    releases_tagged: "Press releases tagged",
    about: "About {org}",
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
    email_reason_curated: "You receive this message because you are on our media list.",
    draft_banner: "Draft: not published or sent",
    embargo_banner: "Embargoed until",
    choose_language: "Choose a language",
    phone: "tel.",
    email: "email",
    not_found: "Page not found",
    not_found_text: "The page you are looking for does not exist. All releases are on the front page.",
    size_units: ["B", "KB", "MB"],
    contacts_page: "Media contacts",
    accessibility_statement: "Accessibility statement",
    privacy_notice: "Privacy notice",
    correction: "Correction",
    photo_credit: "Photo",
    download_original: "Download the original picture",
    search: "Search",
    search_label: "Search the press releases",
    search_found: "{n} releases found.",
    search_found_one: "One release found.",
    search_none: "No releases found.",
    search_more: "Show more results",
    search_failed: "Search is not working right now. Try again in a moment, or browse the archive.",
    archive: "Archive",
    archive_intro: "Browse the releases by year:",
    decimal_separator: '.',
};

/// Text of the subscription pages and the confirmation email.
#[derive(Debug, serde::Serialize)]
pub struct WebStrings {
    pub subscribe_title: &'static str,
    pub subscribe_intro: &'static str,
    pub email_label: &'static str,
    pub email_hint: &'static str,
    pub lists_legend: &'static str,
    pub language_label: &'static str,
    pub submit: &'static str,
    pub honeypot_label: &'static str,
    pub check_inbox_title: &'static str,
    pub check_inbox_text: &'static str,
    pub confirmed_title: &'static str,
    pub confirmed_text: &'static str,
    pub unsubscribe_title: &'static str,
    /// `{list}` stands for the list's name (see
    /// [`WebStrings::unsubscribe_question_for`]).
    pub unsubscribe_question: &'static str,
    pub unsubscribe_button: &'static str,
    pub preferences_link: &'static str,
    pub unsubscribed_title: &'static str,
    pub unsubscribed_text: &'static str,
    pub unsubscribed_from: &'static str,
    /// The link to the preferences after unsubscribing.
    pub preferences_after: &'static str,
    pub test_copy_title: &'static str,
    pub test_copy_text: &'static str,
    pub preferences_title: &'static str,
    pub preferences_intro: &'static str,
    pub preferences_save: &'static str,
    pub preferences_saved: &'static str,
    pub bad_link_title: &'static str,
    pub bad_link_text: &'static str,
    pub expired_text: &'static str,
    pub invalid_email: &'static str,
    pub choose_list: &'static str,
    pub too_many: &'static str,
    pub unavailable: &'static str,
    pub error_title: &'static str,
    /// A posted form that is not the page's own (a field twice, say).
    pub form_unreadable: &'static str,
    pub confirm_subject: &'static str,
    pub confirm_intro: &'static str,
    pub confirm_button: &'static str,
    pub confirm_page_text: &'static str,
    pub confirm_ignore: &'static str,
    pub back_to_releases: &'static str,
}

const WEB_FI: WebStrings = WebStrings {
    subscribe_title: "Tilaa tiedotteet sähköpostiisi",
    subscribe_intro: "Tarvitset vain sähköpostiosoitteen. Lähetämme osoitteeseen vahvistuslinkin. Voit perua tilauksen milloin tahansa.",
    email_label: "Sähköpostiosoite",
    email_hint: "Esimerkiksi etunimi.sukunimi@example.org",
    lists_legend: "Mitä haluat tilata?",
    language_label: "Millä kielellä haluat tiedotteet?",
    submit: "Tilaa",
    honeypot_label: "Jätä tämä kenttä tyhjäksi",
    check_inbox_title: "Tarkista sähköpostisi",
    check_inbox_text: "Jos osoite on oikein, saat hetken kuluttua viestin, jossa on vahvistuslinkki. Tilaus alkaa, kun avaat linkin. Linkki on voimassa seitsemän päivää.",
    confirmed_title: "Tervetuloa tiedotteidemme tilaajaksi",
    confirmed_text: "Tilauksesi on vahvistettu. Saat tiedotteemme sähköpostiisi. Jokaisen viestin lopussa on linkki, josta voit perua tilauksen.",
    unsubscribe_title: "Tilauksen peruminen",
    unsubscribe_question: "Haluatko perua tilauksen ”{list}”?",
    unsubscribe_button: "Peru tilaus",
    preferences_link: "Voit myös muuttaa tilauksiasi tai kieltä",
    unsubscribed_title: "Tilaus on peruttu",
    unsubscribed_text: "Et saa enää tämän tilauksen viestejä.",
    preferences_after: "Muuta tilauksiasi tai kieltä",
    unsubscribed_from: "Et saa enää viestejä näiltä listoilta:",
    test_copy_title: "Tämä on testikopio",
    test_copy_text: "Tämä viesti oli testikopio, joten linkki ei tee mitään. Oikeassa viestissä samasta linkistä lukija voi perua tilauksensa.",
    preferences_title: "Tilausasetukset",
    preferences_intro: "Valitse, mitä haluat saada ja millä kielellä.",
    preferences_save: "Tallenna",
    preferences_saved: "Asetukset on tallennettu.",
    bad_link_title: "Linkki ei toimi",
    bad_link_text: "Linkki on virheellinen tai vanhentunut. Voit tilata tiedotteet uudelleen tilauslomakkeella.",
    expired_text: "Vahvistuslinkki on vanhentunut. Tilaa tiedotteet uudelleen, niin lähetämme uuden linkin.",
    invalid_email: "Sähköpostiosoite ei kelpaa. Tarkista osoite.",
    choose_list: "Valitse vähintään yksi tilaus.",
    too_many: "Liian monta yritystä lyhyessä ajassa. Yritä myöhemmin uudelleen.",
    unavailable: "Palvelu ei juuri nyt ole käytettävissä. Yritä hetken kuluttua uudelleen.",
    error_title: "Virhe",
    form_unreadable: "Lomaketta ei voitu lukea. Lataa sivu uudelleen ja yritä uudestaan.",
    confirm_subject: "Vahvista tiedotteiden tilaus",
    confirm_intro: "Vahvista tilauksesi avaamalla alla oleva linkki. Linkki on voimassa seitsemän päivää.",
    confirm_button: "Vahvista tilaus",
    confirm_page_text: "Vahvista tiedotteiden tilaus painamalla alla olevaa painiketta.",
    confirm_ignore: "Jos et tilannut tiedotteita, voit jättää tämän viestin huomiotta. Ilman vahvistusta emme lähetä sinulle mitään.",
    back_to_releases: "Takaisin tiedotteisiin",
};

const WEB_SV: WebStrings = WebStrings {
    subscribe_title: "Prenumerera på våra pressmeddelanden",
    subscribe_intro: "Du behöver bara din e-postadress. Vi skickar en bekräftelselänk till adressen. Du kan avsluta prenumerationen när du vill.",
    email_label: "E-postadress",
    email_hint: "Till exempel fornamn.efternamn@example.org",
    lists_legend: "Vad vill du prenumerera på?",
    language_label: "På vilket språk vill du få meddelandena?",
    submit: "Prenumerera",
    honeypot_label: "Lämna det här fältet tomt",
    check_inbox_title: "Kontrollera din e-post",
    check_inbox_text: "Om adressen är rätt får du snart ett meddelande med en bekräftelselänk. Prenumerationen börjar när du öppnar länken. Länken gäller i sju dagar.",
    confirmed_title: "Välkommen som prenumerant",
    confirmed_text: "Din prenumeration är bekräftad. Du får våra pressmeddelanden per e-post. I slutet av varje meddelande finns en länk för att avsluta prenumerationen.",
    unsubscribe_title: "Avsluta prenumerationen",
    unsubscribe_question: "Vill du avsluta prenumerationen ”{list}”?",
    unsubscribe_button: "Avsluta prenumerationen",
    preferences_link: "Du kan också ändra dina prenumerationer eller ditt språk",
    unsubscribed_title: "Prenumerationen är avslutad",
    unsubscribed_text: "Du får inte längre meddelanden från den här listan.",
    preferences_after: "Ändra dina prenumerationer eller ditt språk",
    unsubscribed_from: "Du får inte längre meddelanden från:",
    test_copy_title: "Det här är en testkopia",
    test_copy_text: "Meddelandet var en testkopia, så länken gör ingenting. I det riktiga meddelandet avslutar läsaren sin prenumeration med samma länk.",
    preferences_title: "Inställningar för prenumerationen",
    preferences_intro: "Välj vad du vill få och på vilket språk.",
    preferences_save: "Spara",
    preferences_saved: "Inställningarna är sparade.",
    bad_link_title: "Länken fungerar inte",
    bad_link_text: "Länken är felaktig eller har gått ut. Du kan prenumerera på nytt med formuläret.",
    expired_text: "Bekräftelselänken har gått ut. Prenumerera på nytt så skickar vi en ny länk.",
    invalid_email: "E-postadressen är inte giltig. Kontrollera adressen.",
    choose_list: "Välj minst en prenumeration.",
    too_many: "För många försök på kort tid. Försök igen senare.",
    unavailable: "Tjänsten är inte tillgänglig just nu. Försök igen om en stund.",
    error_title: "Fel",
    form_unreadable: "Formuläret kunde inte läsas. Ladda om sidan och försök igen.",
    confirm_subject: "Bekräfta din prenumeration",
    confirm_intro: "Bekräfta din prenumeration genom att öppna länken nedan. Länken gäller i sju dagar.",
    confirm_button: "Bekräfta prenumerationen",
    confirm_page_text: "Bekräfta prenumerationen genom att trycka på knappen nedan.",
    confirm_ignore: "Om du inte har beställt våra pressmeddelanden kan du bortse från det här meddelandet. Utan bekräftelse skickar vi ingenting.",
    back_to_releases: "Tillbaka till pressmeddelandena",
};

const WEB_EN: WebStrings = WebStrings {
    subscribe_title: "Get our press releases by email",
    subscribe_intro: "Only your email address is needed. We will send a confirmation link to it. You can unsubscribe at any time.",
    email_label: "Email address",
    email_hint: "For example firstname.lastname@example.org",
    lists_legend: "What would you like to receive?",
    language_label: "Language you would like to receive them in",
    submit: "Subscribe",
    honeypot_label: "Leave this field empty",
    check_inbox_title: "Check your inbox",
    check_inbox_text: "If the address is correct, you will soon receive a message with a confirmation link. Your subscription starts when you open the link. The link works for seven days.",
    confirmed_title: "Welcome, you are subscribed",
    confirmed_text: "Your subscription is confirmed. You will receive our press releases by email. Every message ends with a link to unsubscribe.",
    unsubscribe_title: "Unsubscribe",
    unsubscribe_question: "Do you want to stop the subscription “{list}”?",
    unsubscribe_button: "Unsubscribe",
    preferences_link: "Change your subscriptions or language instead",
    unsubscribed_title: "You are unsubscribed",
    unsubscribed_text: "You will no longer receive messages from this list.",
    preferences_after: "Change your subscriptions or language",
    unsubscribed_from: "You will no longer receive messages from:",
    test_copy_title: "This is a test copy",
    test_copy_text: "This message was a test copy, so the link does nothing. In the real message, the same link unsubscribes the reader.",
    preferences_title: "Subscription settings",
    preferences_intro: "Choose what you would like to receive, and in which language.",
    preferences_save: "Save",
    preferences_saved: "Your settings are saved.",
    bad_link_title: "This link does not work",
    bad_link_text: "The link is broken or too old. You can subscribe again with the form.",
    expired_text: "The confirmation link has expired. Subscribe again and we will send a new link.",
    invalid_email: "That email address is not valid. Please check it.",
    choose_list: "Choose at least one subscription.",
    too_many: "Too many attempts in a short time. Please try again later.",
    unavailable: "The service is not available right now. Please try again in a moment.",
    error_title: "Error",
    form_unreadable: "The form could not be read. Reload the page and try again.",
    confirm_subject: "Confirm your subscription",
    confirm_intro: "Confirm your subscription by opening the link below. The link works for seven days.",
    confirm_button: "Confirm subscription",
    confirm_page_text: "Press the button below to confirm your subscription.",
    confirm_ignore: "If you did not ask for our press releases, you can ignore this message. Without confirmation we will send you nothing.",
    back_to_releases: "Back to the press releases",
};

/// The subscription pages' text for `lang`.
pub fn web_strings(lang: &Lang) -> &'static WebStrings {
    match lang.as_str() {
        "fi" => &WEB_FI,
        "sv" => &WEB_SV,
        _ => &WEB_EN,
    }
}

/// Text of the writer's email view (`serve --drafts`), in the site's
/// default language: the staff's.
#[derive(Debug)]
pub struct PreviewStrings {
    /// "Email view": the page's title and the link to it from a release page.
    pub title: &'static str,
    pub release_page: &'static str,
    pub language: &'static str,
    pub subject: &'static str,
    pub preheader: &'static str,
    pub size: &'static str,
    /// After the size when the HTML part is over Gmail's limit.
    pub clipped: &'static str,
    pub clip_note: &'static str,
    pub who: &'static str,
    pub nobody: &'static str,
    /// Added to `nobody` for a release with `email: false`.
    pub not_emailed: &'static str,
    pub caption: &'static str,
    pub list: &'static str,
    pub language_col: &'static str,
    pub recipients: &'static str,
    pub html_part: &'static str,
    pub phone: &'static str,
    pub desktop: &'static str,
    pub phone_frame: &'static str,
    pub desktop_frame: &'static str,
    pub text_part: &'static str,
}

const PREVIEW_FI: PreviewStrings = PreviewStrings {
    title: "Sähköpostinäkymä",
    release_page: "Tiedotteen sivu",
    language: "kieli",
    subject: "Aihe",
    preheader: "Esikatseluteksti (rivi, jonka postilaatikko näyttää aiheen jälkeen)",
    size: "HTML-osan koko",
    clipped: "yli Gmailin 102 kt:n rajan: Gmail katkaisee viestin ja näyttää linkin koko viestiin",
    clip_note: "(Gmail katkaisee yli 102 kt:n viestit)",
    who: "Kenelle seuraava julkaisu lähettäisi sen",
    nobody: "Ei kenellekään: tiedotteessa ei ole jakelulistoja",
    not_emailed: ", tai sitä ei lähetetä sähköpostina (email: false)",
    caption: "Vastaanottajat listoittain ja kielittäin",
    list: "Lista",
    language_col: "Kieli",
    recipients: "Vastaanottajia",
    html_part: "HTML-osa",
    phone: "Puhelin, 375 pikseliä leveä",
    desktop: "Tietokone, 640 pikseliä leveä",
    phone_frame: "Viesti puhelimen levyisenä",
    desktop_frame: "Viesti tietokoneen levyisenä",
    text_part: "Tekstiosa",
};

const PREVIEW_SV: PreviewStrings = PreviewStrings {
    title: "E-postvy",
    release_page: "Pressmeddelandets sida",
    language: "språk",
    subject: "Ämne",
    preheader: "Förhandstext (raden som inkorgen visar efter ämnet)",
    size: "HTML-delens storlek",
    clipped: "över Gmails gräns på 102 kB: Gmail klipper meddelandet och visar en länk till hela meddelandet",
    clip_note: "(Gmail klipper meddelanden över 102 kB)",
    who: "Vem nästa publicering skulle skicka det till",
    nobody: "Ingen: pressmeddelandet anger inga listor",
    not_emailed: ", eller så skickas det inte med e-post (email: false)",
    caption: "Mottagare per lista och språk",
    list: "Lista",
    language_col: "Språk",
    recipients: "Mottagare",
    html_part: "HTML-delen",
    phone: "Telefon, 375 pixlar bred",
    desktop: "Dator, 640 pixlar bred",
    phone_frame: "Meddelandet i telefonbredd",
    desktop_frame: "Meddelandet i datorbredd",
    text_part: "Textdelen",
};

const PREVIEW_EN: PreviewStrings = PreviewStrings {
    title: "Email view",
    release_page: "The release's page",
    language: "language",
    subject: "Subject",
    preheader: "Preheader (the line inboxes show after the subject)",
    size: "Size of the HTML part",
    clipped: "over Gmail's 102 KB: Gmail cuts the message and shows a \"View entire message\" link",
    clip_note: "(Gmail clips messages over 102 KB)",
    who: "Who the next publish would send it to",
    nobody: "Nobody: the release names no lists",
    not_emailed: ", or it is not emailed (email: false)",
    caption: "Recipients per list and language",
    list: "List",
    language_col: "Language",
    recipients: "Recipients",
    html_part: "The HTML part",
    phone: "Phone, 375 pixels wide",
    desktop: "Desktop, 640 pixels wide",
    phone_frame: "The email at phone width",
    desktop_frame: "The email at desktop width",
    text_part: "The text part",
};

/// The email view's text for `lang` (English for languages without one).
pub fn preview_strings(lang: &Lang) -> &'static PreviewStrings {
    match lang.as_str() {
        "fi" => &PREVIEW_FI,
        "sv" => &PREVIEW_SV,
        _ => &PREVIEW_EN,
    }
}

/// The English interface text: a placeholder until the language is known
/// (a view read back from the build's cache, see `ReleaseView::restored`).
pub fn english() -> &'static Strings {
    &EN
}

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
        "fi" | "sv" => "%-H.%M",
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
    fn finnish_and_swedish_hours_have_no_leading_zero() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 7, 5, 0).unwrap();
        let tz = chrono_tz::Europe::Helsinki;
        assert_eq!(
            format_date_time(&t, &lang("fi"), tz),
            "24. marraskuuta 2026 klo 9.05"
        );
        assert_eq!(
            format_date_time(&t, &lang("sv"), tz),
            "24 november 2026 kl. 9.05"
        );
    }

    #[test]
    fn the_unsubscribe_question_quotes_each_list_as_the_language_does() {
        let fi = web_strings(&lang("fi"));
        assert_eq!(
            fi.unsubscribe_question_for(&["Tiedotusvälineet".into()]),
            "Haluatko perua tilauksen ”Tiedotusvälineet”?"
        );
        let en = web_strings(&lang("en"));
        assert_eq!(
            en.unsubscribe_question_for(&["Media".into(), "Everyone".into()]),
            "Do you want to stop the subscription “Media”, “Everyone”?"
        );
    }

    #[test]
    fn sizes_use_the_language_decimal_separator() {
        assert_eq!(format_size(617, &lang("fi")), "617 tavua");
        assert_eq!(format_size(1_234, &lang("fi")), "1,2 kt");
        assert_eq!(format_size(1_234_567, &lang("fi")), "1,2 Mt");
        assert_eq!(format_size(1_234_567, &lang("en")), "1.2 MB");
        assert_eq!(format_size(245_000, &lang("sv")), "245 kB");
        assert_eq!(format_size(12, &lang("en")), "12 B");
    }
}
