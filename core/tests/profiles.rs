//! The profiles shipped as JSON in docs/profiles/ are the built-in ones.

use planet_core::defaults::PROFILES;
use planet_core::Profile;
use std::path::PathBuf;

/// The built-in profiles shipped as JSON: every one but the default, whose shape the docs show.
fn shipped() -> impl Iterator<Item = (&'static str, PathBuf)> {
    PROFILES
        .iter()
        .filter(|name| **name != planet_core::defaults::PROFILE)
        .map(|name| (*name, PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../docs/profiles/{name}.json"))))
}

#[test]
fn every_shipped_json_profile_is_the_built_in_profile() {
    let mut seen = 0;
    for (name, path) in shipped() {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let shipped = Profile::from_json(&text).expect("a valid profile");
        let built_in = Profile::by_name(name).expect("known");
        assert_eq!(shipped, built_in, "regenerate {} (see write_the_shipped_profiles_when_asked)", path.display());
        seen += 1;
    }
    assert!(seen >= 2, "planet-exporter and contiv-svcstats at least");
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

/// `PLANET_WRITE_PROFILES=1 cargo test -p planet-core --test profiles` rewrites the files.
#[test]
fn write_the_shipped_profiles_when_asked() {
    if std::env::var_os("PLANET_WRITE_PROFILES").is_none() {
        return;
    }
    for (name, path) in shipped() {
        let text = serde_json::to_string_pretty(&Profile::by_name(name).expect("known")).expect("serializable");
        std::fs::write(path, text + "\n").expect("written");
    }
}
