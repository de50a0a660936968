//! `check`'s messages in the desk's language. The checks speak English (the
//! command line, the logs and the tests read them so); the desk shows each
//! problem next to its field in Finnish or Swedish through this catalogue:
//! each English message is a pattern with numbered gaps (`{0}`, `{1}`), and
//! what fills a gap is translated in turn (the reason a file is missing,
//! a nested field's message). A message the catalogue does not know is
//! shown as it is, in English.

/// One message: its English pattern and the Finnish and Swedish ones.
struct Rule {
    en: &'static str,
    fi: &'static str,
    sv: &'static str,
}

const fn rule(en: &'static str, fi: &'static str, sv: &'static str) -> Rule {
    Rule { en, fi, sv }
}

/// The messages of `check` that a form of the desk can meet, most specific
/// first (a rule is tried in this order; the first that matches wins).
const RULES: &[Rule] = &[
    rule(
        "missing required field '{0}'",
        "pakollinen kenttä '{0}' puuttuu",
        "det obligatoriska fältet '{0}' saknas",
    ),
    rule(
        "field '{0}' is empty",
        "kenttä '{0}' on tyhjä",
        "fältet '{0}' är tomt",
    ),
    rule(
        "field '{0}' must be one line of text, but it contains {1}; join the lines",
        "kentän '{0}' pitää olla yksi tekstirivi, mutta siinä on {1}; yhdistä rivit",
        "fältet '{0}' måste vara en rad text, men det innehåller {1}; slå ihop raderna",
    ),
    rule("a line break", "rivinvaihto", "en radbrytning"),
    rule("a tab", "sarkain", "ett tabbtecken"),
    rule(
        "field '{0}' must be {1}",
        "kentän '{0}' arvon tyyppi on väärä (odotettu: {1})",
        "fältet '{0}' har fel typ (väntat: {1})",
    ),
    rule(
        "bad 'date': {0}",
        "virheellinen päiväys: {0}",
        "felaktigt datum: {0}",
    ),
    rule(
        "bad 'updated': {0}",
        "virheellinen päivitysaika: {0}",
        "felaktig uppdateringstid: {0}",
    ),
    rule(
        "'{0}' is not a date: use 'YYYY-MM-DD HH:MM' (in {1}) or RFC 3339 such as '2026-11-20T09:00:00+02:00'",
        "'{0}' ei ole päivämäärä: kirjoita se muodossa 'VVVV-KK-PP TT:MM' (aikavyöhyke {1}) tai RFC 3339 -muodossa, esimerkiksi '2026-11-20T09:00:00+02:00'",
        "'{0}' är inget datum: skriv det som 'ÅÅÅÅ-MM-DD TT:MM' (tidszon {1}) eller enligt RFC 3339, till exempel '2026-11-20T09:00:00+02:00'",
    ),
    rule(
        "'{0}' does not exist in {1} (the clocks skip that hour when summer time starts)",
        "aikaa '{0}' ei ole aikavyöhykkeellä {1} (kelloja siirretään tämän tunnin yli kesäajan alkaessa)",
        "'{0}' finns inte i {1} (klockan hoppar över den timmen när sommartiden börjar)",
    ),
    rule(
        "'{0}' is not an RFC 3339 time such as 2026-11-20T09:00:00+02:00 ({1})",
        "'{0}' ei ole RFC 3339 -aika kuten 2026-11-20T09:00:00+02:00 ({1})",
        "'{0}' är ingen RFC 3339-tid som 2026-11-20T09:00:00+02:00 ({1})",
    ),
    rule(
        "'updated' is earlier than 'date'",
        "päivitysaika on aiempi kuin julkaisuaika",
        "uppdateringstiden är tidigare än publiceringstiden",
    ),
    rule(
        "a 'correction' needs 'updated' with the time it was made (readers and feeds are told when)",
        "korjaus ('correction') tarvitsee myös korjauksen ajan ('updated'): lukijoille ja syötteille kerrotaan, milloin se tehtiin",
        "en rättelse ('correction') behöver också tiden då den gjordes ('updated'): läsare och flöden får veta när",
    ),
    rule(
        "'web: false' and 'email: false' together publish nowhere; use 'draft: true' instead",
        "'web: false' ja 'email: false' yhdessä eivät julkaise mitään; käytä sen sijaan 'draft: true'",
        "'web: false' och 'email: false' tillsammans publicerar ingenstans; använd 'draft: true' i stället",
    ),
    rule(
        "image has no 'alt' text: describe the picture for people who cannot see it",
        "kuvalta puuttuu kuvaus (vaihtoehtoinen teksti): kuvaile kuva niille, jotka eivät näe sitä",
        "bilden saknar beskrivning (alternativ text): beskriv bilden för dem som inte kan se den",
    ),
    rule(
        "image file 'releases/{0}' {1}",
        "kuvatiedosto 'releases/{0}' {1}",
        "bildfilen 'releases/{0}' {1}",
    ),
    rule(
        "attachment file 'releases/{0}' {1}",
        "liitetiedosto 'releases/{0}' {1}",
        "bilagefilen 'releases/{0}' {1}",
    ),
    rule(
        "attachment '{0}' must be a file under releases/ (e.g. assets/report.pdf)",
        "liitteen '{0}' pitää olla tiedosto kansiossa releases/ (esimerkiksi assets/raportti.pdf)",
        "bilagan '{0}' måste vara en fil under releases/ (till exempel assets/rapport.pdf)",
    ),
    rule(
        "link to 'releases/{0}', which {1}",
        "linkki tiedostoon 'releases/{0}', joka {1}",
        "länk till 'releases/{0}', som {1}",
    ),
    rule("does not exist", "ei ole olemassa", "inte finns"),
    rule(
        "points outside releases/: pressroom publishes only files inside the pressroom",
        "osoittaa kansion releases/ ulkopuolelle: pressroom julkaisee vain omassa kansiossaan olevia tiedostoja",
        "pekar utanför releases/: pressroom publicerar bara filer i sin egen mapp",
    ),
    rule(
        "has a name beginning with '.', which pressroom never publishes: rename the file",
        "alkaa pisteellä, eikä pressroom julkaise sellaisia tiedostoja: nimeä tiedosto uudelleen",
        "har ett namn som börjar med '.', och sådana publicerar pressroom aldrig: byt namn på filen",
    ),
    rule(
        "{0} keywords; a release has at most {1}: keep the ones a journalist would search for",
        "{0} avainsanaa; tiedotteessa voi olla enintään {1}: säilytä ne, joilla toimittaja sitä hakisi",
        "{0} nyckelord; ett pressmeddelande har högst {1}: behåll dem som en journalist skulle söka på",
    ),
    rule(
        "the keyword '{0}…' is {1} characters long; a keyword has at most {2}",
        "avainsana '{0}…' on {1} merkkiä pitkä; avainsanassa voi olla enintään {2} merkkiä",
        "nyckelordet '{0}…' är {1} tecken långt; ett nyckelord har högst {2} tecken",
    ),
    rule(
        "unknown list '{0}' (did you mean '{1}'?)",
        "tuntematon jakelulista '{0}' (tarkoititko '{1}'?)",
        "okänd sändlista '{0}' (menade du '{1}'?)",
    ),
    rule(
        "unknown list '{0}' (declared lists: {1})",
        "tuntematon jakelulista '{0}' (listat: {1})",
        "okänd sändlista '{0}' (listorna: {1})",
    ),
    rule(
        "unknown field '{0}' (did you mean '{1}'?)",
        "tuntematon kenttä '{0}' (tarkoititko '{1}'?)",
        "okänt fält '{0}' (menade du '{1}'?)",
    ),
    rule(
        "unknown field '{0}' (expected one of: {1})",
        "tuntematon kenttä '{0}' (sallitut kentät: {1})",
        "okänt fält '{0}' (tillåtna fält: {1})",
    ),
    rule(
        "'{0}' is missing the field '{1}'",
        "kohdasta '{0}' puuttuu kenttä '{1}'",
        "'{0}' saknar fältet '{1}'",
    ),
    rule(
        "a table of {0} columns; a table has at most {1} (split it, or attach it as a spreadsheet)",
        "taulukossa on {0} saraketta; enintään {1} on mahdollista (jaa taulukko tai liitä se taulukkolaskentatiedostona)",
        "en tabell med {0} kolumner; en tabell får ha högst {1} (dela upp den eller bifoga den som kalkylblad)",
    ),
    rule(
        "this line nests quotes or lists {0} levels deep (at most {1}); remove the extra '>' or list markers",
        "tällä rivillä lainauksia tai luetteloita on sisäkkäin {0} tasoa (enintään {1}); poista ylimääräiset '>'- tai luettelomerkit",
        "den här raden har citat eller listor {0} nivåer djupt (högst {1}); ta bort de extra '>'- eller listtecknen",
    ),
    rule(
        "this line is indented {0} columns (at most {1}); deeply nested lists cannot be published, flatten them",
        "tämä rivi on sisennetty {0} merkkiä (enintään {1}); syvälle sisäkkäisiä luetteloita ei voi julkaista, madalla niitä",
        "den här raden är indragen {0} tecken (högst {1}); djupt nästlade listor kan inte publiceras, gör dem plattare",
    ),
    rule(
        "raw HTML nests elements more than {0} levels deep; write the text in Markdown instead",
        "HTML-koodissa on sisäkkäin yli {0} tasoa elementtejä; kirjoita teksti sen sijaan Markdownina",
        "HTML-koden nästlar element mer än {0} nivåer djupt; skriv texten i Markdown i stället",
    ),
    rule(
        "front matter is not valid YAML: {0}",
        "tiedoston kentät eivät ole kelvollista YAML:ää: {0}",
        "filens fält är inte giltig YAML: {0}",
    ),
    // Uploads: the file's name, then why it was refused.
    rule(
        "{0}: the file is empty",
        "{0}: tiedosto on tyhjä",
        "{0}: filen är tom",
    ),
    rule(
        "{0}: the file is larger than the limit of {1} bytes",
        "{0}: tiedosto on suurempi kuin sallitut {1} tavua",
        "{0}: filen är större än gränsen på {1} byte",
    ),
    rule(
        "{0}: the file is not a JPEG, PNG, WebP or GIF picture, a PDF or an Office document",
        "{0}: tiedosto ei ole JPEG-, PNG-, WebP- tai GIF-kuva, PDF eikä Office-asiakirja",
        "{0}: filen är varken en JPEG-, PNG-, WebP- eller GIF-bild, en PDF eller ett Office-dokument",
    ),
    rule(
        "{0}: the file is not a JPEG, PNG, WebP or GIF picture",
        "{0}: tiedosto ei ole JPEG-, PNG-, WebP- tai GIF-kuva",
        "{0}: filen är ingen JPEG-, PNG-, WebP- eller GIF-bild",
    ),
    rule(
        "{0}: the file also holds a web page or a script",
        "{0}: tiedostossa on myös verkkosivu tai skripti",
        "{0}: filen innehåller också en webbsida eller ett skript",
    ),
    // Why the desk refused an act (`desk::releases::Refused`).
    rule(
        "your role does not allow this",
        "roolisi ei salli tätä",
        "din roll tillåter inte detta",
    ),
    rule(
        "a writer works on their own releases only",
        "kirjoittaja muokkaa vain omia tiedotteitaan",
        "en skribent arbetar bara med sina egna pressmeddelanden",
    ),
    rule(
        "an approved or published release is changed by an editor",
        "hyväksyttyä tai julkaistua tiedotetta muuttaa toimittaja",
        "ett godkänt eller publicerat pressmeddelande ändras av en redaktör",
    ),
    rule(
        "only a draft can be submitted for review",
        "vain luonnoksen voi lähettää tarkastettavaksi",
        "bara ett utkast kan skickas för granskning",
    ),
    rule(
        "only a release in review can be approved",
        "vain tarkastettavana olevan tiedotteen voi hyväksyä",
        "bara ett pressmeddelande under granskning kan godkännas",
    ),
    rule(
        "someone other than the people who wrote or changed it must approve it",
        "hyväksyjän pitää olla joku muu kuin sen kirjoittaja tai muokkaaja",
        "någon annan än de som skrev eller ändrade det måste godkänna det",
    ),
    rule(
        "it needs its approvals first",
        "se tarvitsee ensin hyväksynnät",
        "det behöver först sina godkännanden",
    ),
    rule(
        "its picture needs a description (alt text) and a credit first",
        "sen kuvalle tarvitaan ensin kuvaus (vaihtoehtoinen teksti) ja kuvaajan nimi",
        "dess bild behöver först en beskrivning (alternativ text) och en fotograf",
    ),
    rule(
        "it was withdrawn from the site: it is not sent again",
        "se on poistettu sivustolta: sitä ei lähetetä uudelleen",
        "det har tagits bort från webbplatsen: det skickas inte igen",
    ),
    rule(
        "only a published or scheduled release can be taken off the site",
        "vain julkaistun tai ajastetun tiedotteen voi poistaa sivustolta",
        "bara ett publicerat eller schemalagt pressmeddelande kan tas bort från webbplatsen",
    ),
    rule(
        "only a published release is corrected; until then, change it in the editor",
        "vain julkaistua tiedotetta korjataan; sitä ennen muuta sitä muokkaimessa",
        "bara ett publicerat pressmeddelande rättas; innan dess ändrar du det i redigeraren",
    ),
    rule(
        "write what was corrected, in at least one language",
        "kirjoita, mitä korjattiin, ainakin yhdellä kielellä",
        "skriv vad som rättades, på minst ett språk",
    ),
    rule(
        "'withdrawn' is earlier than 'date'",
        "'withdrawn' on aikaisempi kuin 'date'",
        "'withdrawn' är tidigare än 'date'",
    ),
    // A nested field's message: "'contacts[0]': unknown field …".
    rule("'{0}': {1}", "'{0}': {1}", "'{0}': {1}"),
];

/// How deep gaps are translated in turn (a message inside a message).
const MAX_DEPTH: usize = 3;

/// `message` (one of `check`'s) in the desk language `lang` (`fi`, `sv`;
/// anything else, and a message the catalogue does not know, stays as it
/// is).
pub fn desk_diagnostic(message: &str, lang: &str) -> String {
    translate(message, lang, 0).unwrap_or_else(|| message.to_string())
}

fn translate(message: &str, lang: &str, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH || !matches!(lang, "fi" | "sv") {
        return None;
    }
    RULES.iter().find_map(|r| {
        let gaps = fill(r.en, message)?;
        let target = if lang == "fi" { r.fi } else { r.sv };
        let mut out = target.to_string();
        for (i, gap) in gaps.iter().enumerate() {
            let said = translate(gap, lang, depth + 1).unwrap_or_else(|| (*gap).to_string());
            out = out.replace(&format!("{{{i}}}"), &said);
        }
        Some(out)
    })
}

/// What fills the gaps of `pattern` in `text`, if it matches all of it:
/// each gap takes the shortest text up to the literal after it (the last
/// one, at the end, takes the rest). Gaps are never empty.
fn fill<'a>(pattern: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let mut gaps: Vec<&'a str> = vec![];
    let mut rest = text;
    let mut pat = pattern;
    loop {
        match pat.find('{') {
            None => return (rest == pat).then_some(gaps),
            Some(open) => {
                let literal = &pat[..open];
                rest = rest.strip_prefix(literal)?;
                let close = open + pat[open..].find('}')?;
                pat = &pat[close + 1..];
                let next = pat.find('{').map_or(pat, |n| &pat[..n]);
                let gap = if next.is_empty() {
                    if !pat.is_empty() {
                        return None;
                    }
                    rest
                } else {
                    &rest[..rest.find(next)?]
                };
                if gap.is_empty() {
                    return None;
                }
                gaps.push(gap);
                rest = &rest[gap.len()..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_and_the_messages_inside_it_are_translated() {
        assert_eq!(
            desk_diagnostic("missing required field 'title'", "fi"),
            "pakollinen kenttä 'title' puuttuu"
        );
        assert_eq!(
            desk_diagnostic(
                "bad 'date': 'ensi viikolla' is not a date: use 'YYYY-MM-DD HH:MM' (in Europe/Helsinki) or RFC 3339 such as '2026-11-20T09:00:00+02:00'",
                "sv"
            ),
            "felaktigt datum: 'ensi viikolla' är inget datum: skriv det som 'ÅÅÅÅ-MM-DD TT:MM' (tidszon Europe/Helsinki) eller enligt RFC 3339, till exempel '2026-11-20T09:00:00+02:00'"
        );
        assert_eq!(
            desk_diagnostic("image file 'releases/assets/x.jpg' does not exist", "fi"),
            "kuvatiedosto 'releases/assets/x.jpg' ei ole olemassa"
        );
        assert_eq!(
            desk_diagnostic(
                "'contacts[0]': unknown field 'phne' (did you mean 'phone'?)",
                "fi"
            ),
            "'contacts[0]': tuntematon kenttä 'phne' (tarkoititko 'phone'?)"
        );
        assert_eq!(
            desk_diagnostic(
                "kuva.svg: the file is not a JPEG, PNG, WebP or GIF picture",
                "sv"
            ),
            "kuva.svg: filen är ingen JPEG-, PNG-, WebP- eller GIF-bild"
        );
    }

    #[test]
    fn english_and_unknown_messages_stay_as_they_are() {
        let m = "missing required field 'title'";
        assert_eq!(desk_diagnostic(m, "en"), m);
        let unknown = "something no rule knows";
        assert_eq!(desk_diagnostic(unknown, "fi"), unknown);
    }

    #[test]
    fn every_rule_matches_its_own_pattern_filled_in() {
        for r in RULES {
            let filled = (0..4).fold(r.en.to_string(), |s, i| s.replace(&format!("{{{i}}}"), "x"));
            assert!(fill(r.en, &filled).is_some(), "{}", r.en);
            for target in [r.fi, r.sv] {
                for i in 0..4 {
                    assert_eq!(
                        r.en.contains(&format!("{{{i}}}")),
                        target.contains(&format!("{{{i}}}")),
                        "{} / {target}",
                        r.en
                    );
                }
            }
        }
    }
}
