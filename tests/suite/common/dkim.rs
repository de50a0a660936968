//! DKIM in tests: keys made by `openssl`, signatures verified by dkimpy,
//! the reference implementation (`scripts/test-deps` installs both).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use base64::Engine as _;

/// Prints one line per signature: `a=ALGORITHM ok|FAIL h=…`. The selectors
/// `e2e` (RSA) and `e2e-ed25519` of example.org resolve to the given records.
const VERIFY: &str = r#"
import sys, dkim, re
raw = open(sys.argv[1], 'rb').read()
keys = {b'e2e._domainkey.example.org.': sys.argv[2].encode(), b'e2e-ed25519._domainkey.example.org.': sys.argv[3].encode()}
def dns(name, timeout=5):
    return keys.get(name if name.endswith(b'.') else name + b'.')
d = dkim.DKIM(raw)
sigs = [h for h in d.headers if h[0].lower() == b'dkim-signature']
for i, (_, v) in enumerate(sigs):
    v = re.sub(rb'\s+', b'', v)
    a = re.search(rb'a=([^;]+)', v).group(1).decode()
    h = re.search(rb'h=([^;]+)', v).group(1).decode()
    try:
        ok = dkim.DKIM(raw).verify(idx=i, dnsfunc=dns)
    except dkim.ValidationError:
        ok = False
    print(f"a={a} {'ok' if ok else 'FAIL'} h={h}")
"#;

/// RFC 8463 A.2's Ed25519 test key: the seed pressroom reads, and its DNS record.
pub const ED25519_SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
pub const ED25519_TXT: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/// Writes a new RSA-2048 key (PKCS#1 PEM) to `path`.
pub fn make_rsa_key(path: &Path) {
    let o = Command::new("openssl")
        .args(["genrsa", "-traditional", "-out"])
        .arg(path)
        .arg("2048")
        .output()
        .expect("openssl is installed (scripts/test-deps)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The DNS record of the RSA key at `path`.
pub fn rsa_txt(path: &Path) -> String {
    let der = Command::new("openssl")
        .args(["rsa", "-pubout", "-outform", "DER", "-in"])
        .arg(path)
        .output()
        .unwrap()
        .stdout;
    format!(
        "v=DKIM1; k=rsa; p={}",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

/// dkimpy's verdict on every signature of the message in `eml`.
pub fn verify(eml: &Path, rsa_txt: &str, ed_txt: &str) -> Vec<String> {
    let o = Command::new("python3")
        .args(["-c", VERIFY])
        .arg(eml)
        .args([rsa_txt, ed_txt])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "dkimpy is needed (scripts/test-deps installs it): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
