//! The desk's own words, in Finnish, Swedish and English: each member of
//! staff reads the desk in their language.

/// Text of the desk's pages.
#[derive(Debug)]
pub struct DeskStrings {
    pub desk: &'static str,
    pub skip: &'static str,
    pub sign_in: &'static str,
    pub sign_in_lead: &'static str,
    pub address: &'static str,
    pub password: &'static str,
    pub no_match: &'static str,
    pub throttled_title: &'static str,
    pub throttled: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub releases: &'static str,
    pub users: &'static str,
    pub audit: &'static str,
    pub title: &'static str,
    pub languages: &'static str,
    pub date: &'static str,
    pub status: &'static str,
    pub draft: &'static str,
    pub scheduled: &'static str,
    pub published: &'static str,
    pub no_releases: &'static str,
    pub refused_title: &'static str,
    pub refused_role: &'static str,
    pub refused_form: &'static str,
    pub refused_site: &'static str,
    pub set_password: &'static str,
    pub set_password_lead: &'static str,
    pub new_password: &'static str,
    pub password_rules: &'static str,
    pub password_set: &'static str,
    pub link_invalid: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub can_sign_in: &'static str,
    pub yes: &'static str,
    pub no_password: &'static str,
    pub disabled: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub action: &'static str,
    pub object: &'static str,
    pub from: &'static str,
    pub detail: &'static str,
    pub command_line: &'static str,
    /// The roles' names: writer, editor, admin.
    pub roles: [&'static str; 3],
}

impl DeskStrings {
    /// The name of a role (`writer`, `editor`, `admin`) in this language.
    pub fn role(&self, role: &str) -> &'static str {
        match role {
            "writer" => self.roles[0],
            "editor" => self.roles[1],
            _ => self.roles[2],
        }
    }
}

const FI: DeskStrings = DeskStrings {
    desk: "Toimitus",
    skip: "Siirry sisältöön",
    sign_in: "Kirjaudu sisään",
    sign_in_lead: "Kirjaudu työsähköpostiosoitteellasi ja salasanallasi.",
    address: "Sähköpostiosoite",
    password: "Salasana",
    no_match: "Osoite tai salasana ei kelpaa.",
    throttled_title: "Liian monta yritystä",
    throttled: "Kirjautumista on yritetty liian monta kertaa. Yritä uudelleen 15 minuutin kuluttua.",
    sign_out: "Kirjaudu ulos",
    signed_in_as: "Kirjautuneena",
    releases: "Tiedotteet",
    users: "Käyttäjät",
    audit: "Tapahtumaloki",
    title: "Otsikko",
    languages: "Kielet",
    date: "Julkaisuaika",
    status: "Tila",
    draft: "Luonnos",
    scheduled: "Ajastettu",
    published: "Julkaistu",
    no_releases: "Ei tiedotteita.",
    refused_title: "Ei sallittu",
    refused_role: "Roolisi ei salli tätä toimintoa. Mitään ei muutettu.",
    refused_form: "Lomake on vanhentunut tai se ei tullut tältä sivustolta. Mitään ei muutettu: lataa sivu uudelleen ja yritä uudestaan.",
    refused_site: "Pyyntö tuli toiselta sivustolta. Mitään ei muutettu.",
    set_password: "Aseta salasana",
    set_password_lead: "Valitse salasana tilille",
    new_password: "Uusi salasana",
    password_rules: "Vähintään 12 merkkiä; ei sähköpostiosoitettasi eikä nimeäsi.",
    password_set: "Salasana on asetettu. Voit nyt kirjautua sisään.",
    link_invalid: "Tämä linkki on vanhentunut tai jo käytetty. Pyydä ylläpitäjältä uusi.",
    name: "Nimi",
    role: "Rooli",
    can_sign_in: "Voi kirjautua",
    yes: "kyllä",
    no_password: "ei salasanaa vielä",
    disabled: "poistettu käytöstä",
    when: "Aika",
    who: "Kuka",
    action: "Tapahtuma",
    object: "Kohde",
    from: "Mistä",
    detail: "Lisätieto",
    command_line: "(komentorivi)",
    roles: ["kirjoittaja", "toimittaja", "ylläpitäjä"],
};

const SV: DeskStrings = DeskStrings {
    desk: "Redaktionen",
    skip: "Hoppa till innehållet",
    sign_in: "Logga in",
    sign_in_lead: "Logga in med din e-postadress på jobbet och ditt lösenord.",
    address: "E-postadress",
    password: "Lösenord",
    no_match: "Adressen eller lösenordet stämmer inte.",
    throttled_title: "För många försök",
    throttled: "Inloggning har försökts för många gånger. Försök igen om 15 minuter.",
    sign_out: "Logga ut",
    signed_in_as: "Inloggad som",
    releases: "Pressmeddelanden",
    users: "Användare",
    audit: "Händelselogg",
    title: "Rubrik",
    languages: "Språk",
    date: "Publiceringstid",
    status: "Status",
    draft: "Utkast",
    scheduled: "Schemalagt",
    published: "Publicerat",
    no_releases: "Inga pressmeddelanden.",
    refused_title: "Inte tillåtet",
    refused_role: "Din roll tillåter inte detta. Ingenting ändrades.",
    refused_form: "Formuläret har gått ut eller kom inte från den här webbplatsen. Ingenting ändrades: ladda om sidan och försök igen.",
    refused_site: "Begäran kom från en annan webbplats. Ingenting ändrades.",
    set_password: "Välj lösenord",
    set_password_lead: "Välj ett lösenord för kontot",
    new_password: "Nytt lösenord",
    password_rules: "Minst 12 tecken; inte din e-postadress eller ditt namn.",
    password_set: "Lösenordet är valt. Nu kan du logga in.",
    link_invalid: "Länken har gått ut eller redan använts. Be en administratör om en ny.",
    name: "Namn",
    role: "Roll",
    can_sign_in: "Kan logga in",
    yes: "ja",
    no_password: "inget lösenord ännu",
    disabled: "avstängd",
    when: "Tid",
    who: "Vem",
    action: "Händelse",
    object: "Objekt",
    from: "Varifrån",
    detail: "Detalj",
    command_line: "(kommandoraden)",
    roles: ["skribent", "redaktör", "administratör"],
};

const EN: DeskStrings = DeskStrings {
    desk: "Desk",
    skip: "Skip to content",
    sign_in: "Sign in",
    sign_in_lead: "Sign in with your work email address and your password.",
    address: "Email address",
    password: "Password",
    no_match: "The address or the password is not right.",
    throttled_title: "Too many tries",
    throttled: "Signing in has been tried too many times. Try again in 15 minutes.",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    releases: "Releases",
    users: "Users",
    audit: "Audit trail",
    title: "Title",
    languages: "Languages",
    date: "Publication time",
    status: "Status",
    draft: "Draft",
    scheduled: "Scheduled",
    published: "Published",
    no_releases: "No releases.",
    refused_title: "Not allowed",
    refused_role: "Your role does not allow this. Nothing was changed.",
    refused_form: "The form has expired or did not come from this site. Nothing was changed: reload the page and try again.",
    refused_site: "The request came from another site. Nothing was changed.",
    set_password: "Set your password",
    set_password_lead: "Choose a password for the account",
    new_password: "New password",
    password_rules: "At least 12 characters; not your email address or your name.",
    password_set: "Your password is set. You can sign in now.",
    link_invalid: "This link has expired or has been used. Ask an admin for a new one.",
    name: "Name",
    role: "Role",
    can_sign_in: "Can sign in",
    yes: "yes",
    no_password: "no password yet",
    disabled: "disabled",
    when: "When",
    who: "Who",
    action: "Action",
    object: "Object",
    from: "From",
    detail: "Detail",
    command_line: "(command line)",
    roles: ["writer", "editor", "admin"],
};

/// The desk's text for `lang` (English for languages without one).
pub fn desk_strings(lang: &str) -> &'static DeskStrings {
    match lang {
        "fi" => &FI,
        "sv" => &SV,
        _ => &EN,
    }
}

/// The desk's language for a browser's `Accept-Language`: the first of
/// fi, sv, en it asks for, by preference; English when none.
pub fn desk_lang(accept_language: &str) -> &'static str {
    let mut best: Option<(f32, &'static str)> = None;
    for part in accept_language.split(',') {
        let mut bits = part.split(';');
        let tag = bits.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = bits
            .find_map(|b| {
                b.trim()
                    .strip_prefix("q=")
                    .and_then(|v| v.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "fi" => "fi",
            "sv" => "sv",
            "en" => "en",
            _ => continue,
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or("en", |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::desk_lang;

    #[test]
    fn the_desk_speaks_the_browsers_first_choice_of_its_languages() {
        assert_eq!(desk_lang("sv-FI,fi;q=0.8,en;q=0.5"), "sv");
        assert_eq!(desk_lang("de-DE,fi;q=0.7,en;q=0.9"), "en");
        assert_eq!(desk_lang("fi"), "fi");
        assert_eq!(desk_lang(""), "en");
    }
}
