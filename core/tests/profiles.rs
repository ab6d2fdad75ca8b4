//! The profiles shipped as JSON in docs/profiles/ are the built-in ones.

use planet_core::Profile;
use std::path::PathBuf;

#[test]
fn the_shipped_planet_exporter_json_is_the_built_in_profile() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/profiles/planet-exporter.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let shipped = Profile::from_json(&text).expect("a valid profile");
    assert_eq!(shipped, Profile::planet_exporter(), "regenerate {} from Profile::planet_exporter()", path.display());
    assert_eq!(Profile::by_name("planet-exporter").expect("known"), shipped);
}

#[test]
fn a_json_profile_with_a_bad_regex_or_an_ungrouped_label_is_refused() {
    let good: serde_json::Value = serde_json::to_value(Profile::planet_exporter()).expect("serializable");
    let mut bad_regex = good.clone();
    bad_regex["metrics"]["stages"][0]["matchers"][1]["value"] = "(unclosed".into();
    let e = Profile::from_json(&bad_regex.to_string()).expect_err("bad regex");
    assert!(e.to_string().contains("remote_ip"), "{e}");
    let mut ungrouped = good;
    ungrouped["metrics"]["stages"][1]["emit"]["tags"][0][1] = "hostname".into();
    let e = Profile::from_json(&ungrouped.to_string()).expect_err("ungrouped label");
    assert!(e.to_string().contains("hostname"), "{e}");
}

/// `PLANET_WRITE_PROFILES=1 cargo test -p planet-core --test profiles` rewrites the file.
#[test]
fn write_the_shipped_profiles_when_asked() {
    if std::env::var_os("PLANET_WRITE_PROFILES").is_none() {
        return;
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/profiles/planet-exporter.json");
    let text = serde_json::to_string_pretty(&Profile::planet_exporter()).expect("serializable");
    std::fs::write(path, text + "\n").expect("written");
}
