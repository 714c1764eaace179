//! The files users copy or that GitHub reads, checked against the code: examples/lockgate.yml
//! is a configuration lockgate accepts, and action.yml declares exactly the inputs and outputs
//! `lockgate action` uses.

use lockgate::policy::{AllowSignals, Config, FailOn};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Value {
    serde_saphyr::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

fn keys(map: &Value) -> BTreeSet<String> {
    map.as_object().expect("a mapping").keys().cloned().collect()
}

#[test]
fn example_config_is_accepted_and_says_what_it_means() {
    let config = Config::from_yaml("examples/lockgate.yml", &read("examples/lockgate.yml"))
        .unwrap_or_else(|e| panic!("examples/lockgate.yml is rejected: {e}"));
    assert_eq!(config.fail_on, FailOn::Critical);
    let ignored: Vec<&str> = config.ignore_paths.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(ignored, ["examples/**", "**/test/fixtures/**"]);
    assert!(config.ignore_paths[0].is_match("examples/app/package-lock.json"));
    assert_eq!(config.signals.recent_release.fresh_hours, Some(24));
    assert_eq!(config.rules.install_window_hours, 48);
    assert_eq!(config.allow.len(), 1);
    assert!(config.allow[0].package.is_match("@my-org/ui"));
    assert_eq!(config.allow[0].signals, AllowSignals::Only(vec!["new-publisher", "provenance-regression"]));
    assert!(config.allow[0].expires.is_some());
}

/// The example claims its values are the defaults (apart from `ignore-paths` and `allow`).
#[test]
fn example_config_values_are_the_defaults() {
    let example = Config::from_yaml("examples/lockgate.yml", &read("examples/lockgate.yml")).unwrap();
    let default = Config::default();
    assert_eq!(example.fail_on, default.fail_on);
    assert_eq!(example.warn_on, default.warn_on);
    assert_eq!(example.rules.install_window_hours, default.rules.install_window_hours);
    assert_eq!(example.rules.combinations, default.rules.combinations);
}

const INPUTS: &[&str] = &[
    "github-token",
    "lockfiles",
    "config",
    "mode",
    "base",
    "head",
    "fail-on",
    "warn-only",
    "comment",
    "check-run",
    "registry",
    "min-release-age",
];

#[test]
fn action_yml_declares_the_inputs_and_outputs_of_the_contract() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "docker");
    // On main the image is built from the Dockerfile; release.yml rewrites exactly this line.
    assert_eq!(action["runs"]["image"], "Dockerfile");
    assert!(
        read("action.yml").lines().any(|l| l == "  image: Dockerfile"),
        "release.yml's sed needs this line"
    );
    assert_eq!(keys(&action["inputs"]), INPUTS.iter().map(|s| s.to_string()).collect());
    assert_eq!(keys(&action["outputs"]), ["findings", "report", "sarif", "verdict"].map(String::from).into());
    for (name, input) in action["inputs"].as_object().unwrap() {
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "input {name} has no description"
        );
        assert!(
            input.get("default").is_some(),
            "input {name} has no default (the runner then passes nothing)"
        );
    }
    assert_eq!(action["inputs"]["github-token"]["default"], "${{ github.token }}");
    assert_eq!(action["inputs"]["config"]["default"], lockgate::policy::DEFAULT_PATH);
    assert_eq!(action["inputs"]["mode"]["default"], "auto");
}

/// Rust sources under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every input of action.yml is read by the action code, and the code reads no input that
/// action.yml does not declare (the runner would never set it). The code names an input either
/// as the variable (`"INPUT_FAIL-ON"`) or as the input (`"fail-on"`) next to an INPUT_ prefix.
#[test]
fn action_code_reads_exactly_the_declared_inputs() {
    let cli = read("src/cli.rs");
    if !cli.contains("Action") {
        // `lockgate action` is not part of this tree yet (it lands with src/github/); the
        // contract is checked from the first commit that has it.
        eprintln!("skipped: src/cli.rs has no action subcommand yet");
        return;
    }
    let code: String =
        sources(&root().join("src")).iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    assert!(code.contains("INPUT_"), "the action code reads no INPUT_ variables");
    for input in INPUTS {
        let var = format!("\"INPUT_{}\"", input.to_uppercase());
        let name = format!("\"{input}\"");
        assert!(
            code.contains(&var) || code.contains(&name),
            "action.yml input {input} is never read by src/"
        );
    }
    let declared: BTreeSet<String> = INPUTS.iter().map(|i| format!("INPUT_{}", i.to_uppercase())).collect();
    for (i, _) in code.match_indices("\"INPUT_") {
        let var: String = code[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "_-".contains(*c))
            .collect();
        // Shells cannot export dashes, so the code also accepts `INPUT_FAIL_ON` for local runs.
        let var = format!("INPUT_{}", var["INPUT_".len()..].replace('_', "-"));
        if var != "INPUT_" {
            assert!(declared.contains(&var), "src/ reads {var}, which action.yml does not declare");
        }
    }
}

/// Every example workflow and the project's own use the action's real inputs only.
#[test]
fn workflows_pass_only_declared_inputs() {
    let declared: BTreeSet<String> = INPUTS.iter().map(|s| s.to_string()).collect();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["examples/workflows", ".github/workflows"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    let mut uses_seen = 0;
    for file in files {
        let rel = file.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        let workflow = yaml(&rel);
        for (job_name, job) in workflow["jobs"].as_object().unwrap() {
            for step in job["steps"].as_array().into_iter().flatten() {
                let uses = step["uses"].as_str().unwrap_or_default();
                if uses == "./" || uses.starts_with("lockgate/lockgate@") {
                    uses_seen += 1;
                    for key in keys(step.get("with").unwrap_or(&Value::Object(Default::default()))) {
                        assert!(declared.contains(&key), "{rel} job {job_name} passes unknown input {key}");
                    }
                }
            }
        }
    }
    assert!(uses_seen >= 4, "the examples and lockgate.yml use the action ({uses_seen} found)");
}
